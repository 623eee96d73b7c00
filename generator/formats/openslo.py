"""placeholder"""
from .source import Conversion
def is_openslo(data): return False
def convert_openslo(docs): return Conversion()
