"""Just enough of a 64-bit little-endian ELF reader to name the function a data pointer in a shared library
points to (the simulated device's lowered names, :mod:`.runtime`): symbols and their values, and the
relocation that fills a pointer (``R_*_64`` against a symbol, or ``R_*_RELATIVE`` with an address)."""

from __future__ import annotations

import struct

__all__ = ["pointer_target"]

_SHT_SYMTAB, _SHT_RELA, _SHT_DYNSYM = 2, 4, 11
_STT_FUNC = 2
_ABS64 = {62: 1, 183: 257}  # e_machine -> R_X86_64_64, R_AARCH64_ABS64
_RELATIVE = {62: 8, 183: 1027}  # R_X86_64_RELATIVE, R_AARCH64_RELATIVE


def _table(image: bytes, sections: list[tuple[int, ...]], index: int) -> list[tuple[str, int, int]]:
    """(name, value, st_info) of each symbol of the symbol table in section `index`, in table order."""
    sec = sections[index]
    if sec[9] == 0:
        return []
    strings = sections[sec[6]][4]
    out: list[tuple[str, int, int]] = []
    for at in range(sec[4], sec[4] + sec[5], sec[9]):
        st_name, st_info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", image, at)
        end = image.index(b"\0", strings + st_name)
        out.append((image[strings + st_name:end].decode("utf-8", "replace"), value, st_info))
    return out


def _symbols(image: bytes, sections: list[tuple[int, ...]], kind: int) -> list[tuple[str, int, int]]:
    """The symbols of every section of `kind` (SHT_SYMTAB or SHT_DYNSYM)."""
    return [s for i, sec in enumerate(sections) if sec[1] == kind for s in _table(image, sections, i)]


def pointer_target(image: bytes, pointer: str) -> str | None:
    """The name of the function the exported pointer variable `pointer` holds; None when it cannot be told."""
    if image[:4] != b"\x7fELF" or image[4] != 2 or image[5] != 1:
        return None
    machine, = struct.unpack_from("<H", image, 18)
    shoff, = struct.unpack_from("<Q", image, 40)
    shentsize, shnum = struct.unpack_from("<HH", image, 58)
    sections = [struct.unpack_from("<IIQQQQIIQQ", image, shoff + i * shentsize) for i in range(shnum)]
    dynsym = _symbols(image, sections, _SHT_DYNSYM)
    symtab = _symbols(image, sections, _SHT_SYMTAB)
    where = next((value for name, value, _ in dynsym + symtab if name == pointer), None)
    if where is None:
        return None
    for sec in sections:
        if sec[1] != _SHT_RELA or sec[9] == 0:
            continue
        table: list[tuple[str, int, int]] = _table(image, sections, sec[6]) if sec[6] else []
        for at in range(sec[4], sec[4] + sec[5], sec[9]):
            offset, info, addend = struct.unpack_from("<QQq", image, at)
            if offset != where:
                continue
            kind, index = info & 0xFFFFFFFF, info >> 32
            if kind == _ABS64.get(machine) and 0 < index < len(table) and addend == 0:
                return str(table[int(index)][0])
            if kind == _RELATIVE.get(machine):
                # the function by its address: an exported name first (what dladdr answers), never an alias
                named = [(n, b) for n, v, b in dynsym + _globals_first(symtab)
                         if v == addend and b & 0xF == _STT_FUNC and n and ".localalias" not in n]
                return named[0][0] if named else None
    return None


def _globals_first(table: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """`table`'s global and weak symbols before its local ones."""
    return sorted(table, key=lambda s: (s[2] >> 4) == 0)
