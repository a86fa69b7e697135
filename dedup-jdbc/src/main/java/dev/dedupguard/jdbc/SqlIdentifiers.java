package dev.dedupguard.jdbc;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Identifiers of host tables and columns as they go into SQL: each part of a name either unquoted ({@code case_file},
 * which the database folds) or quoted in the database's quote character ({@code "Case Files"}, or MariaDB's
 * {@code `Case Files`}, which it takes exactly), as {@link Dialect#quoteIdentifier} renders them and Hibernate's
 * mappings state them. Stateless.
 */
public final class SqlIdentifiers {
    private static final java.util.regex.Pattern PLAIN =
            java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private SqlIdentifiers() {
    }

    /**
     * Checks a name the user configures for one of the library's own tables: an unquoted SQL identifier, optionally
     * schema-qualified.
     *
     * @param field the builder setting, for the message, e.g. {@code tableName}
     * @param value the configured name
     * @return {@code value}
     * @throws IllegalArgumentException naming {@code field} and the value otherwise
     */
    public static String requirePlain(String field, @Nullable String value) {
        if (value == null || !PLAIN.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be an unquoted SQL identifier, optionally "
                    + "schema-qualified (letters, digits, underscore; e.g. dedup_file or audit.dedup_file), was "
                    + (value == null ? "null" : "\"" + value + "\""));
        }
        return value;
    }

    /**
     * Checks one part of a name as the host stated it, without quotes: it must have a character and no NUL, which no
     * database accepts in an identifier.
     *
     * @param what the name's role and the whole name, for the message, e.g. {@code "HostTable table name s.x"}
     * @param part the part's text, without quotes
     * @return {@code part}
     * @throws IllegalArgumentException naming {@code what} and the part if it is {@code null}, empty or has a NUL
     */
    public static String requireValidPart(String what, String part) {
        if (part == null || part.isEmpty()) {
            throw new IllegalArgumentException(what + " has an empty part (" + (part == null ? "null" : "\"\"")
                    + "): every part of a table or column name needs at least one character");
        }
        if (part.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character (U+0000) in \""
                    + part.replace("\0", "\\0") + "\", which no database accepts in an identifier");
        }
        return part;
    }

    /**
     * Whether one part of a name, as it goes into SQL, is quoted: it starts with a double quote or a backtick.
     *
     * @param identifier one part of a name as it goes into SQL; not {@code null}
     * @return {@code true} if it is quoted
     */
    public static boolean isQuoted(String identifier) {
        return identifier.length() >= 2 && (identifier.charAt(0) == '"' || identifier.charAt(0) == '`')
                && identifier.charAt(identifier.length() - 1) == identifier.charAt(0);
    }

    /**
     * The text of one part of a name: a quoted part without its quotes and with doubled quote characters undone; an
     * unquoted part as it is.
     *
     * @param identifier one part of a name as it goes into SQL; not {@code null}
     * @return its text
     */
    public static String unquote(String identifier) {
        if (!isQuoted(identifier)) {
            return identifier;
        }
        String quote = identifier.substring(0, 1);
        return identifier.substring(1, identifier.length() - 1).replace(quote + quote, quote);
    }

    /**
     * The parts of a possibly qualified name as it goes into SQL, split at the dots outside quotes, e.g.
     * {@code audit."Case.Files"} into {@code audit} and {@code "Case.Files"}.
     *
     * @param qualified a name as it goes into SQL; not {@code null}
     * @return its parts, each as it goes into SQL; unmodifiable
     * @throws IllegalArgumentException if a quote is not closed
     */
    public static List<String> split(String qualified) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < qualified.length(); i++) {
            char ch = qualified.charAt(i);
            if (quote != 0) {
                current.append(ch);
                if (ch == quote) {
                    boolean doubled = i + 1 < qualified.length() && qualified.charAt(i + 1) == quote;
                    if (doubled) {
                        current.append(ch);
                        i++;
                    } else {
                        quote = 0;
                    }
                }
            } else if (ch == '.') {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                if (ch == '"' || ch == '`') {
                    quote = ch;
                }
                current.append(ch);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("the name " + qualified + " has an unclosed " + quote);
        }
        parts.add(current.toString());
        return List.copyOf(parts);
    }
}
