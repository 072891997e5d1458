#!/usr/bin/python3
# reindent-example.py - restores the block structure of the socket reference's
# CAN_RAW example: the copy of socket-api.rst beside the tree lost its
# code indentation. Reads the flattened example, writes runnable Python.
import sys
lines = [l.strip() for l in sys.stdin if l.strip()]
out = []
level = 0
try_levels = []
except_body = False
for l in lines:
    if l.startswith(('import ', '#', 'can_frame_', 'def ', 's = socket', 's.bind', 'while ')):
        level, try_levels, except_body = 0, [], False
    elif l.startswith('except'):
        level = try_levels[-1]
    if l.startswith('try:'):
        try_levels.append(level)
    out.append('    ' * level + l)
    if except_body:
        level = try_levels.pop()
        except_body = False
    elif l.startswith('except'):
        except_body = True
        level += 1
    elif l.endswith(':'):
        level += 1
    elif l.startswith('return'):
        level = 0
print('\n'.join(out))
