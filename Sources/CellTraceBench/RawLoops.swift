import CLMDB
import COpenSSL

/// The machine's own limits, measured in the same run: loops written straight against liblmdb and
/// libcrypto that do the least work an append or an audit must do.
///
/// Append: per entry one SHA-256 of 0x00 ‖ bytes (the leaf hash) plus one chain hash, an
/// `MDB_APPEND` put, and a durable commit (fsync) per batch. Verify: a cursor walk that re-hashes
/// every entry and checks the chain.
enum RawLoops {
    final class Store {
        var env: OpaquePointer?
        var dbi: MDB_dbi = 0
        let path: String

        /// Opens a store at `path`; `mapSize` bounds its data (64 GiB by default, more than any
        /// section writes; the import's loop maps what its entries need).
        init(path: String, durable: Bool, mapSize: Int = 64 << 30) {
            self.path = path
            mkdirAll(path)
            check(mdb_env_create(&env), "mdb_env_create")
            check(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize")
            check(mdb_env_set_maxdbs(env, 4), "mdb_env_set_maxdbs")
            let flags = UInt32(MDB_NOTLS) | (durable ? 0 : UInt32(MDB_NOSYNC | MDB_NOMETASYNC))
            check(mdb_env_open(env, path, flags, 0o644), "mdb_env_open")
            var txn: OpaquePointer?
            check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin")
            check(mdb_dbi_open(txn, "raw", UInt32(MDB_CREATE), &dbi), "mdb_dbi_open")
            check(mdb_txn_commit(txn), "mdb_txn_commit")
        }

        deinit {
            mdb_env_close(env)
        }
    }

    /// Appends `count` copies of `entry` (with the chain field varying) in batches; returns seconds.
    static func append(store: Store, entry: [UInt8], count: Int, batch: Int, startingAt start: UInt64 = 0) -> Double {
        let md = EVP_MD_fetch(nil, "SHA2-256", nil)
        let ctx = EVP_MD_CTX_new()
        defer {
            EVP_MD_CTX_free(ctx)
            EVP_MD_free(md)
        }
        var previous = [UInt8](repeating: 0, count: 32)
        var leaf = [UInt8](repeating: 0, count: 32)
        var chain = [UInt8](repeating: 0, count: 32)
        var record = entry
        var length: UInt32 = 0
        let clock = Stopwatch()
        var written = 0
        var sequence = start
        while written < count {
            var txn: OpaquePointer?
            check(mdb_txn_begin(store.env, nil, 0, &txn), "mdb_txn_begin")
            for _ in 0..<min(batch, count - written) {
                // Vary the record like a chained entry: its 'prev' field holds the previous hash.
                record.withUnsafeMutableBytes { buffer in
                    previous.withUnsafeBytes { buffer.copyMemory(from: $0) }
                }
                var zero: UInt8 = 0
                EVP_DigestInit_ex2(ctx, md, nil)
                EVP_DigestUpdate(ctx, &zero, 1)
                EVP_DigestUpdate(ctx, record, record.count)
                EVP_DigestFinal_ex(ctx, &leaf, &length)
                EVP_DigestInit_ex2(ctx, md, nil)
                EVP_DigestUpdate(ctx, previous, 32)
                EVP_DigestUpdate(ctx, leaf, 32)
                EVP_DigestFinal_ex(ctx, &chain, &length)
                previous = chain
                var key = sequence.bigEndian
                withUnsafeMutableBytes(of: &key) { keyBytes in
                    record.withUnsafeMutableBytes { value in
                        var k = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
                        var v = MDB_val(mv_size: value.count, mv_data: value.baseAddress)
                        check(mdb_put(txn, store.dbi, &k, &v, UInt32(MDB_APPEND)), "mdb_put")
                    }
                }
                sequence += 1
                written += 1
            }
            check(mdb_txn_commit(txn), "mdb_txn_commit")
        }
        return clock.seconds
    }

    /// Walks every record, re-hashing it and checking a chain; returns (seconds, records).
    static func verify(store: Store) -> (Double, Int) {
        let md = EVP_MD_fetch(nil, "SHA2-256", nil)
        let ctx = EVP_MD_CTX_new()
        defer {
            EVP_MD_CTX_free(ctx)
            EVP_MD_free(md)
        }
        var leaf = [UInt8](repeating: 0, count: 32)
        var previous = [UInt8](repeating: 0, count: 32)
        var chain = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let clock = Stopwatch()
        var txn: OpaquePointer?
        check(mdb_txn_begin(store.env, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        var cursor: OpaquePointer?
        check(mdb_cursor_open(txn, store.dbi, &cursor), "mdb_cursor_open")
        var key = MDB_val()
        var value = MDB_val()
        var count = 0
        var mismatches = 0
        while mdb_cursor_get(cursor, &key, &value, MDB_NEXT) == 0 {
            var zero: UInt8 = 0
            EVP_DigestInit_ex2(ctx, md, nil)
            EVP_DigestUpdate(ctx, &zero, 1)
            EVP_DigestUpdate(ctx, value.mv_data, value.mv_size)
            EVP_DigestFinal_ex(ctx, &leaf, &length)
            // The chain check: the record's first 32 bytes hold the previous chain hash.
            if memcmp(value.mv_data, previous, 32) != 0 { mismatches += 1 }
            EVP_DigestInit_ex2(ctx, md, nil)
            EVP_DigestUpdate(ctx, previous, 32)
            EVP_DigestUpdate(ctx, leaf, 32)
            EVP_DigestFinal_ex(ctx, &chain, &length)
            previous = chain
            count += 1
        }
        mdb_cursor_close(cursor)
        mdb_txn_abort(txn)
        precondition(mismatches == 0, "the raw chain does not verify")
        return (clock.seconds, count)
    }

    static func check(_ rc: Int32, _ function: String) {
        guard rc == 0 else {
            preconditionFailure("\(function) failed: \(String(cString: mdb_strerror(rc)))")
        }
    }
}
