package dev.dedupguard;

/**
 * The digest that {@link FileKey#contentHash()} holds. The guard rejects a hash whose length does not match its
 * configured algorithm, so that an MD5 can never be compared with a SHA-256 of the same content.
 */
public enum HashAlgorithm {
    /** 32 hex digits; for legacy evidence inventories only. */
    MD5("MD5", 32),
    /** 40 hex digits; for legacy evidence inventories only. */
    SHA_1("SHA-1", 40),
    /** 64 hex digits; the default. */
    SHA_256("SHA-256", 64),
    /** 128 hex digits. */
    SHA_512("SHA-512", 128);

    private final String jcaName;
    private final int hexLength;

    HashAlgorithm(String jcaName, int hexLength) {
        this.jcaName = jcaName;
        this.hexLength = hexLength;
    }

    /**
     * The name {@link java.security.MessageDigest#getInstance(String)} knows it by.
     *
     * @return the standard JCA algorithm name, e.g. {@code "SHA-256"}
     */
    public String jcaName() {
        return jcaName;
    }

    /**
     * How many hex digits a digest of this algorithm has.
     *
     * @return twice the digest's length in bytes: 32, 40, 64 or 128
     */
    public int hexLength() {
        return hexLength;
    }
}
