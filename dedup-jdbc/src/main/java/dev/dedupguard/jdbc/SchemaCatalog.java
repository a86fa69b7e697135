package dev.dedupguard.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one database's catalog says about a table, in the terms the schema check needs (how each key column stores and
 * compares values, which unique keys cover them, which CHECK constraints hold, whether the session and the table can
 * keep the guard's promises), and the DDL that fixes what the check refuses. One subclass per database, owned by its
 * {@link Dialect}; the rules that judge these facts are the same for every database ({@link SchemaValidator}).
 */
abstract class SchemaCatalog {

    /**
     * A unique index or constraint of the table.
     *
     * @param name its name, for messages
     * @param columns its plain key columns, in the catalog's stored form, lower-cased
     * @param merging why it treats values the guard keeps apart as one key (an expression over a column, a prefix of
     *     a column, a collation or operator class that compares otherwise), or {@code null} if it does not
     * @param unusable why {@code INSERT ... ON CONFLICT} or the guard's reading of a duplicate-key error cannot rely on
     *     it although it merges nothing (invalid, deferrable, partial, a hash key), or {@code null}
     */
    record UniqueKey(String name, Set<String> columns, @Nullable String merging, @Nullable String unusable) {
    }

    /**
     * The key columns of {@code table} as the catalog describes them.
     *
     * @param c a connection to the database
     * @param table the guard's table
     * @return one entry per column of {@link TableSchema#columns()} except the id, keyed by its SQL identifier; a column
     *     the catalog does not know is left out
     * @throws SQLException if the catalog cannot be read
     */
    abstract Map<String, KeyColumn> keyColumns(Connection c, TableSchema table) throws SQLException;

    /**
     * The unique indexes and constraints of {@code table}, except its primary key.
     *
     * @param c a connection to the database
     * @param table the guard's table
     * @return each unique key, judged for whether the guard can rely on it
     * @throws SQLException if the catalog cannot be read
     */
    abstract List<UniqueKey> uniqueKeys(Connection c, TableSchema table) throws SQLException;

    /**
     * The CHECK constraints of {@code table} that the database enforces for every row written from now on and that
     * concern {@code column} alone, each as {@link #normalise} leaves its condition. A constraint not yet validated
     * against the rows stored before it was added (PostgreSQL's {@code NOT VALID}, MariaDB's added with {@code
     * check_constraint_checks=OFF}) counts: the schema check judges what the database enforces for writes, not the
     * data already stored.
     *
     * @param c a connection to the database
     * @param table the guard's table
     * @param column one of its columns, as it goes into SQL
     * @return the normalised conditions
     * @throws SQLException if the catalog cannot be read
     */
    abstract List<String> checkConditions(Connection c, TableSchema table, String column) throws SQLException;

    /**
     * What in the session or the table's storage keeps the guard's promises from holding, whatever its columns: a
     * non-transactional storage engine, a session that lets the database change values on the way in, a database
     * encoding that cannot hold every name. By default nothing.
     *
     * @param c the connection the guard was built on
     * @param table the guard's table
     * @param stripeTable the stripe table, if the strategy locks it; else {@code null}
     * @return one message per problem, each with its fix
     * @throws SQLException if the catalog cannot be read
     */
    List<String> storageProblems(Connection c, TableSchema table, @Nullable String stripeTable) throws SQLException {
        return List.of();
    }

    /**
     * The statement that gives {@code column} a type and collation that compare its values byte for byte, keeping
     * its length: for text that must hold any name ({@code hexOnly} false) a character set for all of Unicode, for
     * hex digests ({@code hexOnly}) any byte-wise one.
     *
     * @param table the guard's table
     * @param column the column as the catalog describes it
     * @param hexOnly whether the column holds hex digests only
     * @return the DDL, without a trailing semicolon
     */
    abstract String byteWiseColumnDdl(TableSchema table, KeyColumn column, boolean hexOnly);

    /**
     * The statements that add a CHECK constraint keeping {@code column} in lower case; on a table whose rows already
     * hold upper-case values the constraint cannot be validated until they are rewritten.
     *
     * @param table the guard's table
     * @param column the hash column, as it goes into SQL
     * @param constraint the constraint's name
     * @return the DDL, statements separated by {@code ;}, without a trailing semicolon
     */
    String lowerCaseCheckDdl(TableSchema table, String column, String constraint) {
        return "ALTER TABLE " + table.qualifiedTable() + " ADD CONSTRAINT " + constraint + " CHECK (" + column
                + " = lower(" + column + "))";
    }

    /**
     * What to do when {@link #lowerCaseCheckDdl} fails because rows stored earlier hold upper-case hashes, for the
     * refusal's message. By default: rewrite them, after merging the duplicates that appear.
     *
     * @param table the guard's table
     * @param column the hash column, as it goes into SQL
     * @param constraint the constraint's name
     * @return one sentence, without a trailing period
     */
    String lowerCaseCheckFailure(TableSchema table, String column, String constraint) {
        return "if it fails, rows stored earlier hold upper-case hashes: rewrite them with lower() after merging the "
                + "duplicates that appear (dedup-migration's doctor counts both)";
    }

    /**
     * A CHECK condition in a form that does not depend on how the database prints it: lower case, without blanks,
     * quotes, parentheses and casts to text types, {@code lcase} written {@code lower}.
     *
     * @param condition the condition as the catalog prints it, with or without the {@code CHECK} keyword
     * @return the normalised condition, e.g. {@code file_hash=lowerfile_hash} for {@code CHECK (file_hash = lower(file_hash))}
     */
    static String normalise(String condition) {
        String s = condition.toLowerCase(Locale.ROOT).strip();
        if (s.startsWith("check")) {
            s = s.substring("check".length());
        }
        s = s.replace("::character varying", "").replace("::text", "").replace("::bpchar", "")
                .replace("::varchar", "");
        s = s.replaceAll("[\\s\"`()]", "");
        return s.replace("lcase", "lower");
    }
}
