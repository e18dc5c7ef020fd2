internal import COpenSSL

/// PEM reading and writing through OpenSSL memory BIOs.
enum PEM {
    /// Parses PEM text with `read` and lends the resulting key to `body`, freeing it afterwards.
    static func withKey<R>(
        fromPEM text: String,
        read: (OpaquePointer) -> OpaquePointer?,
        body: (OpaquePointer) throws -> R
    ) throws -> R {
        var bytes = Array(text.utf8)
        defer { cleanse(&bytes) }
        guard let bio = unsafe BIO_new_mem_buf(bytes, Int32(bytes.count)) else {
            throw CryptoError.openSSL("BIO_new_mem_buf")
        }
        defer { unsafe BIO_free(bio) }
        guard let key = unsafe read(bio) else {
            let cause = CryptoError.openSSL("PEM_read_bio")
            throw CryptoError(code: .invalidKey, message: "no key of the expected kind in the PEM text", cause: cause)
        }
        defer { unsafe EVP_PKEY_free(key) }
        return try unsafe body(key)
    }

    /// Runs `write` against a memory BIO and returns what it wrote as text.
    static func write(_ write: (OpaquePointer) -> Int32) throws -> String {
        guard let method = unsafe BIO_s_mem(), let bio = unsafe BIO_new(method) else {
            throw CryptoError.openSSL("BIO_new")
        }
        defer { unsafe BIO_free(bio) }
        guard unsafe write(bio) == 1 else { throw CryptoError.openSSL("PEM_write_bio") }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = unsafe celltrace_bio_get_mem_data(bio, &data)
        guard length > 0, let data = unsafe data else { throw CryptoError.openSSL("BIO_get_mem_data") }
        let buffer = unsafe UnsafeRawBufferPointer(start: data, count: length)
        let text = unsafe String(decoding: buffer, as: UTF8.self)
        // The BIO may hold a private key: wipe it before it is freed.
        unsafe OPENSSL_cleanse(data, length)
        return text
    }

    /// Overwrites a buffer that held secret material.
    static func cleanse(_ bytes: inout [UInt8]) {
        unsafe bytes.withUnsafeMutableBytes { buffer in
            unsafe OPENSSL_cleanse(buffer.baseAddress, buffer.count)
        }
    }
}
