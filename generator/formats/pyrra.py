"""placeholder"""
from .source import Conversion
def is_pyrra(data): return False
def convert_pyrra(key, data): return Conversion()
