package dev.dedupguard;

import dev.dedupguard.internal.Texts;
import java.util.Locale;

/**
 * What makes two registrations "the same file": the scope they belong to (a case, a tenant, a folder), the hex
 * digest of the content, and the original file name.
 *
 * <p>The constructor validates every field and fails fast with an {@link IllegalArgumentException} that names the
 * field and the bad value:
 * <ul>
 *   <li>{@code scope}: not blank, at most {@value #MAX_SCOPE_LENGTH} characters, no control characters, no unpaired
 *       surrogates;</li>
 *   <li>{@code contentHash}: hexadecimal digits only, {@value #MIN_HASH_LENGTH} to {@value #MAX_HASH_LENGTH} of
 *       them; normalised to lower case. The guard also checks the length against its configured
 *       {@link HashAlgorithm};</li>
 *   <li>{@code fileName}: not blank, no control characters (NUL, C0, DEL, C1), no unpaired surrogates, at most
 *       {@value #MAX_FILE_NAME_BYTES} bytes in UTF-8. It is kept exactly as given (no trimming, no normalisation);
 *       the guard's {@link NamePolicy} is applied to the uniqueness key only.</li>
 * </ul>
 * Both strings must be valid UTF-16 because JDBC drivers encode an unpaired surrogate as {@code ?}: two different
 * scopes would reach the database as the same value.
 *
 * @param scope the scope the file belongs to, e.g. a case id
 * @param contentHash lower-case hex digest of the content
 * @param fileName the original file name, exactly as given
 */
public record FileKey(String scope, String contentHash, String fileName) {

    /** Longest scope accepted, in characters. */
    public static final int MAX_SCOPE_LENGTH = 255;
    /** Shortest hex digest accepted (MD5). */
    public static final int MIN_HASH_LENGTH = 32;
    /** Longest hex digest accepted (SHA-512). */
    public static final int MAX_HASH_LENGTH = 128;
    /** Longest file name accepted, in bytes of UTF-8. */
    public static final int MAX_FILE_NAME_BYTES = 4096;

    /**
     * Validates every field as the class javadoc lists and normalises the content hash to lower case.
     *
     * @param scope the scope the file belongs to, e.g. a case id
     * @param contentHash hex digest of the content, in either case
     * @param fileName the original file name, kept exactly as given
     * @throws IllegalArgumentException naming the field and the bad value, if any field breaks its rule
     */
    public FileKey {
        scope = validateScope(scope);
        contentHash = validateHash(contentHash);
        fileName = validateFileName(fileName);
    }

    /**
     * A key with the given scope, content hash and file name; see the class javadoc for the rules.
     *
     * @param scope the scope the file belongs to, e.g. a case id; not blank, at most {@value #MAX_SCOPE_LENGTH}
     *     characters
     * @param contentHash hex digest of the content: an even number of {@value #MIN_HASH_LENGTH} to
     *     {@value #MAX_HASH_LENGTH} hex digits in either case
     * @param fileName the original file name, at most {@value #MAX_FILE_NAME_BYTES} bytes in UTF-8; kept as given
     * @return the validated key, with the hash in lower case
     * @throws IllegalArgumentException naming the field and the bad value, if any field breaks its rule
     */
    public static FileKey of(String scope, String contentHash, String fileName) {
        return new FileKey(scope, contentHash, fileName);
    }

    private static String validateScope(String scope) {
        if (scope == null) {
            throw new IllegalArgumentException("scope must not be null");
        }
        if (scope.isBlank()) {
            throw new IllegalArgumentException("scope must not be blank, was " + Texts.quote(scope));
        }
        if (scope.length() > MAX_SCOPE_LENGTH) {
            throw new IllegalArgumentException("scope must be at most " + MAX_SCOPE_LENGTH + " characters, was "
                    + scope.length() + ": " + Texts.quote(scope));
        }
        rejectControlCharacters("scope", scope);
        rejectUnpairedSurrogates("scope", scope);
        return scope;
    }

    private static String validateHash(String hash) {
        if (hash == null) {
            throw new IllegalArgumentException("contentHash must not be null");
        }
        int length = hash.length();
        if (length < MIN_HASH_LENGTH || length > MAX_HASH_LENGTH || length % 2 != 0) {
            throw new IllegalArgumentException("contentHash must be an even number of " + MIN_HASH_LENGTH + " to "
                    + MAX_HASH_LENGTH + " hex digits, was " + length + " characters: " + Texts.quote(hash));
        }
        for (int i = 0; i < length; i++) {
            char c = hash.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex) {
                throw new IllegalArgumentException("contentHash must contain only hex digits 0-9, a-f, A-F; found "
                        + Texts.describe(c) + " at index " + i + " in " + Texts.quote(hash));
            }
        }
        return hash.toLowerCase(Locale.ROOT);
    }

    private static String validateFileName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("fileName must not be null");
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("fileName must not be blank, was " + Texts.quote(name));
        }
        rejectControlCharacters("fileName", name);
        rejectUnpairedSurrogates("fileName", name);
        int bytes = Texts.utf8Length(name);
        if (bytes > MAX_FILE_NAME_BYTES) {
            throw new IllegalArgumentException("fileName must be at most " + MAX_FILE_NAME_BYTES
                    + " bytes in UTF-8, was " + bytes + " bytes: " + Texts.quote(name));
        }
        return name;
    }

    private static void rejectUnpairedSurrogates(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(field + " must be valid Unicode; found an unpaired surrogate "
                        + Texts.describe(c) + " at index " + i + " in " + Texts.quote(value));
            }
        }
    }

    private static void rejectControlCharacters(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw new IllegalArgumentException(field + " must not contain control characters; found "
                        + Texts.describe(c) + " at index " + i + " in " + Texts.quote(value));
            }
        }
    }
}
