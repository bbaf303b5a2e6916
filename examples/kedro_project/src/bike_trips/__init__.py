"""bike_trips"""

__version__ = "0.1"
