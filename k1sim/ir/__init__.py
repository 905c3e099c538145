"""The ``.xsmt`` front end: lexer, parser, printer, types, op definitions and builder."""

from k1sim.ir.core import Block, Module, Operation, Region, Value
from k1sim.ir.parser import parse, parse_bytes, parse_file

__all__ = ["Block", "Module", "Operation", "Region", "Value", "parse", "parse_bytes", "parse_file"]
