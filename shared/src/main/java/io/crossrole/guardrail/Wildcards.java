package io.crossrole.guardrail;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * IAM's wildcards ({@code *} any run of characters, {@code ?} one character), compared without regard to case
 * as IAM compares action names. Two questions: does a pattern match a text, and can two patterns match a
 * common text (so that a grant's {@code iam:Cr*} is seen to allow the forbidden {@code iam:Create*}).
 *
 * <pre>{@code
 * Wildcards.matches("arn:*:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess"); // true
 * Wildcards.overlap("iam:Cr*", "iam:Create*");  // true
 * Wildcards.overlap("s3:Get*", "iam:Create*");  // false
 * }</pre>
 */
public final class Wildcards {
    private Wildcards() {
    }

    /** True when {@code pattern} matches all of {@code text} (the text's own {@code *} and {@code ?} are plain characters). */
    public static boolean matches(String pattern, String text) {
        return overlap(pattern, escapeless(text), true);
    }

    /** True when some text matches both patterns. */
    public static boolean overlap(String a, String b) {
        return overlap(a, b, false);
    }

    /** True when the text holds a wildcard. */
    public static boolean hasWildcard(String text) {
        return text.indexOf('*') >= 0 || text.indexOf('?') >= 0;
    }

    private static final char LITERAL_STAR = '\uE000';
    private static final char LITERAL_QUESTION = '\uE001';

    private static String escapeless(String text) {
        return text.replace('*', LITERAL_STAR).replace('?', LITERAL_QUESTION);
    }

    /**
     * Breadth-first search of the product of the two patterns' automata: state (i, j) means the first i characters
     * of {@code a} and the first j of {@code b} have matched a common prefix. A star may stay (consume) or move on.
     */
    private static boolean overlap(String a, String b, boolean bIsText) {
        String p = a.toLowerCase(Locale.ROOT);
        String q = b.toLowerCase(Locale.ROOT);
        int n = p.length();
        int m = q.length();
        boolean[][] seen = new boolean[n + 1][m + 1];
        Deque<int[]> work = new ArrayDeque<>();
        visit(0, 0, p, q, seen, work);
        while (!work.isEmpty()) {
            int[] s = work.poll();
            int i = s[0];
            int j = s[1];
            if (i == n && j == m) {
                return true;
            }
            if (i == n || j == m) {
                continue;
            }
            char x = p.charAt(i);
            char y = q.charAt(j);
            boolean xAny = x == '*' || x == '?';
            boolean yAny = !bIsText && (y == '*' || y == '?');
            if (!xAny && !yAny && x != y) {
                continue;
            }
            int ni = x == '*' ? i : i + 1;
            int nj = yAny && y == '*' ? j : j + 1;
            if (ni == i && nj == j) {
                continue; // star against star: covered by the epsilon moves
            }
            visit(ni, nj, p, q, seen, work);
        }
        return false;
    }

    /** Adds a state and every state reachable from it by letting a star match nothing. */
    private static void visit(int i, int j, String p, String q, boolean[][] seen, Deque<int[]> work) {
        if (seen[i][j]) {
            return;
        }
        seen[i][j] = true;
        work.add(new int[] {i, j});
        if (i < p.length() && p.charAt(i) == '*') {
            visit(i + 1, j, p, q, seen, work);
        }
        if (j < q.length() && q.charAt(j) == '*') {
            visit(i, j + 1, p, q, seen, work);
        }
    }
}
