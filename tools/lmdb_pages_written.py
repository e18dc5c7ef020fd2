#!/usr/bin/env python3
"""Counts, table by table, the pages one write transaction of a CellTrace ledger wrote.

LMDB never writes a page in place: a transaction copies every page it changes to a new page
number and writes it at commit. So the pages of a table's tree in the file after the transaction
that are not in the tree before it (or are there with other bytes) are the pages the transaction
wrote for that table. Give it two copies of a ledger's `data.mdb`, taken before and after one
import (`celltrace-bench --only import-memory --snapshot-dir DIR` takes them around its last
document, as DIR/before.mdb and DIR/after.mdb):

    tools/lmdb_pages_written.py DIR/before.mdb DIR/after.mdb

It prints, for each table that changed, the pages written, their MiB and the pages in its tree
now, largest first, then the total. It reads LMDB 0.9's on-disk format for 64-bit builds with
4 KiB pages (meta pages 0 and 1, the newer one by transaction id; branch, leaf and overflow
pages; named tables as sub-databases of the main one) and nothing else of the ledger.
"""

import struct
import sys

PAGE = 4096
P_BRANCH, P_LEAF, P_OVERFLOW = 0x01, 0x02, 0x04
F_BIGDATA, F_SUBDATA = 0x01, 0x02
# MDB_db: pad u32, flags u16, depth u16, branch, leaf, overflow pages, entries, root (u64 each).
DB_FORMAT = "<IHHQQQQQ"
DB_SIZE = struct.calcsize(DB_FORMAT)
NO_PAGE = 0xFFFFFFFFFFFFFFFF


def newest_meta(data):
    """The (free, main) table records of the meta page with the larger transaction id."""
    best = None
    for page in (0, 1):
        # The page header (16 bytes), then MDB_meta: magic, version, address, map size, the two
        # table records, the last page number and the transaction id.
        offset = page * PAGE + 16 + 4 + 4 + 8 + 8
        free = struct.unpack_from(DB_FORMAT, data, offset)
        main = struct.unpack_from(DB_FORMAT, data, offset + DB_SIZE)
        txnid = struct.unpack_from("<QQ", data, offset + 2 * DB_SIZE)[1]
        if best is None or txnid > best[0]:
            best = (txnid, free, main)
    return best[1], best[2]


def tree_pages(data, root, named=None):
    """The page numbers of the tree under `root`; with `named`, records its sub-databases."""
    pages = set()
    stack = [root]
    while stack:
        page = stack.pop()
        if page == NO_PAGE:
            continue
        offset = page * PAGE
        _, _, flags, lower, _ = struct.unpack_from("<QHHHH", data, offset)
        if flags & P_OVERFLOW:
            count = struct.unpack_from("<I", data, offset + 12)[0]
            pages.update(range(page, page + count))
            continue
        pages.add(page)
        for index in range((lower - 16) // 2):
            node = offset + struct.unpack_from("<H", data, offset + 16 + 2 * index)[0]
            low, high, node_flags, key_size = struct.unpack_from("<HHHH", data, node)
            if flags & P_BRANCH:
                stack.append(low | high << 16 | node_flags << 32)
            elif flags & P_LEAF:
                if node_flags & F_BIGDATA:
                    stack.append(struct.unpack_from("<Q", data, node + 8 + key_size)[0])
                elif named is not None and node_flags & F_SUBDATA:
                    name = data[node + 8 : node + 8 + key_size].decode(errors="replace")
                    named[name] = struct.unpack_from(DB_FORMAT, data, node + 8 + key_size)[7]
    return pages


def tables(data):
    """Each table's pages, the main and free-page tables included."""
    free, main = newest_meta(data)
    named = {}
    result = {"(main)": tree_pages(data, main[7], named), "(free pages)": tree_pages(data, free[7])}
    for name, root in named.items():
        result[name] = tree_pages(data, root)
    return result


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as before_file, open(sys.argv[2], "rb") as after_file:
        before, after = before_file.read(), after_file.read()
    old, new = tables(before), tables(after)
    rows = []
    for name, pages in new.items():
        kept = old.get(name, set())
        written = sum(
            1
            for page in pages
            if page not in kept or before[page * PAGE : (page + 1) * PAGE] != after[page * PAGE : (page + 1) * PAGE]
        )
        if written:
            rows.append((written, name, len(pages)))
    total = 0
    for written, name, size in sorted(rows, reverse=True):
        total += written
        print(f"{written:8,} pages {written * PAGE / 2**20:8.1f} MiB  {name:18} ({size:,} pages in its tree now)")
    print(f"{total:8,} pages {total * PAGE / 2**20:8.1f} MiB  in all")


if __name__ == "__main__":
    main()
