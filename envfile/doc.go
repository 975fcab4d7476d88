// Package envfile owns configsync's dotenv grammar, the discovery of dotenv
// items in a project directory, the key-level diff of two versions of a
// dotenv file, and the encoders used by `configsync export`.
//
// Items are stored byte for byte; this package only reads them, to count,
// diff, inject, export and guard. It never rewrites a user's file. Values
// are carried as [Value], which redacts itself whenever it is printed or
// marshalled; diagnostics and errors carry file, line, code and key name,
// never the text of a line or a value.
//
// # Grammar
//
// No two popular dotenv parsers agree on every edge case, so the grammar
// is ours. A blank is a space or a tab.
//
//  1. Encoding. The file must be UTF-8 without NUL bytes; otherwise the
//     whole file is refused (error binary). One leading byte order mark is
//     stripped. CRLF and a lone CR are read as LF everywhere, also inside
//     quoted values.
//  2. Skipped lines. A line that is empty or blank, or whose first
//     non-blank character is '#', is skipped.
//  3. Export prefix. Leading blanks are ignored. The word "export" followed
//     by blanks and a key character is dropped; "export=1" and
//     "export =1" assign the key named "export".
//  4. Key. A key is [A-Za-z0-9_.-]+, followed by optional blanks and '='.
//     Any other line that is not skipped is an error (invalid-line).
//  5. Value start. The value starts after the blanks that follow '=' and
//     never past the end of the line: "KEY=" and "KEY=   " assign the empty
//     string. A value starting with ' is single-quoted, with " is
//     double-quoted, anything else is unquoted.
//  6. Unquoted values. The value is the rest of the line with blanks
//     trimmed at both ends. A '#' preceded by a blank starts a comment,
//     which is cut; a '#' with no blank before it is part of the value
//     (warning hash-in-value: some parsers cut there). Backslashes are
//     literal except in "\$", which is a literal '$' that is never
//     expanded. Backticks are ordinary characters.
//  7. Closing quote. The closing quote is the first quote character of the
//     opening kind that is followed only by blanks, or by blanks and a
//     '#' comment, up to the end of its line. In a double-quoted value a
//     backslash and the character after it form a pair, so "\"" never
//     closes. A quoted value may span lines: when the opening line holds no
//     further quote of its kind, the closing quote is searched on the
//     following lines.
//  8. Single-quoted values. Everything between the quotes, newlines
//     included, is taken literally: no escapes, no expansion.
//  9. Double-quoted values. The escapes \n \r \t \" \\ and \$ are
//     replaced by newline, carriage return, tab, '"', '\' and a literal
//     (never expanded) '$'; any other backslash pair is kept as is.
//  10. Text after a quote. When the opening line holds a further quote of
//     the opening kind but none of them is a closing quote (for example
//     KEY='a' b), the line is read as an unquoted value, quotes included
//     (warning text-after-quote).
//  11. Unterminated quote. A quote that is never closed is an error
//     (unterminated-quote); parsing resumes on the line after the opening
//     one so that further errors are listed too.
//  12. Expansion. Done by [Resolve] when asked, in unquoted and
//     double-quoted values only: $NAME, ${NAME}, ${NAME:-w} (w when NAME is
//     unset or empty), ${NAME-w} (w when unset), ${NAME:+w} (w when set and
//     non-empty, else empty) and ${NAME+w} (w when set, else empty). NAME is
//     [A-Za-z_][A-Za-z0-9_]*; w is expanded in turn. Names are looked up
//     among keys assigned earlier (in this file or an earlier file of the
//     same Resolve call), then in the lookup function (the process
//     environment); an undefined name is empty. A '$' that starts none of
//     these forms is literal.
//  13. Command substitution. "$(...)" is never executed: it stays text
//     (warning command-substitution, in unquoted and double-quoted values).
//  14. Duplicate keys. When a key is assigned twice, the last assignment
//     wins (warning duplicate-key).
package envfile
