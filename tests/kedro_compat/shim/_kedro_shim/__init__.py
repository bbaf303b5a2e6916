"""The machinery behind the ``kedro`` and ``kedro_datasets`` shim packages."""
