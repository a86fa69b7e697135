package dev.dedupguard.migration;

import java.util.List;

/**
 * A foreign key of another table (or of the host table itself) that references the host table, as the catalog
 * describes it: removing a referenced row deletes its children ({@code CASCADE}), detaches them ({@code SET NULL},
 * {@code SET DEFAULT}) or fails ({@code NO ACTION}, {@code RESTRICT}).
 *
 * @param name the constraint's name
 * @param childSchema the referencing table's schema, as stored
 * @param childTable the referencing table's name, as stored
 * @param onDelete the delete rule: {@code CASCADE}, {@code SET NULL}, {@code SET DEFAULT}, {@code RESTRICT} or
 *     {@code NO ACTION}
 * @param childColumns the referencing columns, as stored
 * @param parentColumns the referenced columns of the host table, as stored, in the same order
 */
record ReferencingKey(String name, String childSchema, String childTable, String onDelete, List<String> childColumns,
        List<String> parentColumns) {

    ReferencingKey {
        childColumns = List.copyOf(childColumns);
        parentColumns = List.copyOf(parentColumns);
    }

    /** Whether removing a referenced row changes or removes child rows instead of failing. */
    boolean changesChildren() {
        return onDelete.equals("CASCADE") || onDelete.startsWith("SET ");
    }

    /** {@code evidence_note(case_file_id) -> (id) ON DELETE CASCADE, constraint fk_x}, for messages. */
    String describe() {
        return childSchema + "." + childTable + "(" + String.join(", ", childColumns) + ") -> ("
                + String.join(", ", parentColumns) + ") ON DELETE " + onDelete + ", constraint " + name;
    }

    /** What removing a referenced row would do to its children, for messages. */
    String consequence() {
        return switch (onDelete) {
            case "CASCADE" -> "deletes them with it (ON DELETE CASCADE), saved nowhere";
            case "SET NULL", "SET DEFAULT" -> "detaches them (ON DELETE " + onDelete + ")";
            default -> "fails (ON DELETE " + onDelete + ")";
        };
    }
}
