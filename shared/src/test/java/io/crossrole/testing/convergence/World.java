package io.crossrole.testing.convergence;

import java.util.List;

/**
 * The fixed organization every history starts from: accounts, OUs (one nested), grantee groups, a queue with a policy
 * that already holds someone else's statement. Histories name OUs by their names ({@code ${ou:Prod}}, {@code ${root}});
 * the runner puts in the IDs the emulator gave them.
 */
public final class World {
    public static final String MANAGEMENT = "123456789012";
    /** Owner accounts at the start: PROD under Prod (under Workloads), STAGE under Workloads, SANDBOX under Sandbox. */
    public static final String PROD = "111111111111";
    public static final String STAGE = "333333333333";
    public static final String SANDBOX = "012345678901";
    /** Under the root. */
    public static final String SHARED = "444444444444";
    /** Where the grantee groups and the Auditor role live (under the root; never moved or closed). */
    public static final String GRANTEE = "222222222222";
    /** A third party outside the organization, allowed by the guardrails with an external ID. */
    public static final String OUTSIDER = "444455556666";

    public static final List<String> OUS = List.of("Workloads", "Prod", "Sandbox");
    public static final List<String> START_ACCOUNTS = List.of(PROD, STAGE, SANDBOX, SHARED, GRANTEE);
    public static final List<String> GROUPS = List.of("Developers", "Testers", "Operators");
    /** An inline policy each grantee group has before the history: never Crossrole's to change. */
    public static final String GROUP_POLICY = "team-notes";
    public static final String AUDITOR = "arn:aws:iam::" + GRANTEE + ":role/Auditor";

    /** The queue resource grants write to, in PROD. */
    public static final String QUEUE = "orders";
    public static final String QUEUE_ARN = "arn:aws:sqs:us-east-1:" + PROD + ":" + QUEUE;
    public static final String FOREIGN_SID = "DeliverFromTopic";

    public static final String GUARDRAILS = "{\"trustedExternalAccounts\": [\"" + OUTSIDER + "\"]}";

    private World() {
    }

    /** Where each starting account sits: {@code root} or an OU name. */
    public static String startParent(String account) {
        return switch (account) {
            case PROD -> "Prod";
            case STAGE -> "Workloads";
            case SANDBOX -> "Sandbox";
            default -> "root";
        };
    }

    /** The parent an OU name has ({@code Prod} is inside {@code Workloads}). */
    public static String ouParent(String ou) {
        return ou.equals("Prod") ? "Workloads" : "root";
    }

    public static String groupArn(String group) {
        return "arn:aws:iam::" + GRANTEE + ":group/" + group;
    }
}
