package io.crossrole.guardrail;

import io.crossrole.grant.Grant;
import io.crossrole.grant.GrantParser;
import io.crossrole.grant.GrantValidation;
import io.crossrole.grant.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one answer to "may this record become IAM?": the record read and checked against IAM's rules
 * ({@link GrantParser}), then against the organization's {@link Guardrails}. Every function, the drift check and the
 * CLI ask here, so a grant is accepted or refused for the same reasons everywhere.
 *
 * <pre>{@code
 * GrantValidation v = review.review(GrantImages.fromItem(item), organizationView);
 * if (!v.isValid()) { record FAILED with v.summary(); write nothing }
 * }</pre>
 */
public final class GrantReview {
    private final GrantParser parser;
    private final GuardrailCheck check;

    public GrantReview(GrantParser parser, Guardrails guardrails) {
        this.parser = parser;
        this.check = new GuardrailCheck(guardrails);
    }

    public GuardrailCheck guardrails() {
        return check;
    }

    public GrantParser parser() {
        return parser;
    }

    /** Every check: the record, the guardrails on what it asks for, and those that need the organization. */
    public GrantValidation review(Map<String, Object> raw, OrganizationFacts org) {
        return review(parser.parse(raw), org);
    }

    /** The guardrails' checks on a record already parsed (as {@code GrantStore} returns it). */
    public GrantValidation review(GrantValidation parsed, OrganizationFacts org) {
        if (!parsed.isValid()) {
            return parsed;
        }
        if (parsed.resourceGrant().isPresent()) {
            List<Problem> problems = new ArrayList<>(check.document(parsed.resourceGrant().get()));
            problems.addAll(check.organization(parsed.resourceGrant().get(), org));
            return problems.isEmpty() ? parsed : refused(parsed, problems);
        }
        Grant grant = parsed.grant().orElseThrow();
        GuardrailCheck.Result document = check.document(grant);
        List<Problem> problems = new ArrayList<>(document.problems());
        problems.addAll(check.organization(grant, org));
        return problems.isEmpty() ? accepted(parsed, document) : refused(parsed, problems);
    }

    /** The checks that need no AWS access: the record and the guardrails on what it asks for (offline validation). */
    public GrantValidation document(Map<String, Object> raw) {
        return document(parser.parse(raw));
    }

    /** The guardrails' checks that need no AWS access, on a record already parsed. */
    public GrantValidation document(GrantValidation parsed) {
        if (!parsed.isValid()) {
            return parsed;
        }
        if (parsed.resourceGrant().isPresent()) {
            List<Problem> problems = check.document(parsed.resourceGrant().get());
            return problems.isEmpty() ? parsed : refused(parsed, problems);
        }
        GuardrailCheck.Result result = check.document(parsed.grant().orElseThrow());
        return result.problems().isEmpty() ? accepted(parsed, result) : refused(parsed, result.problems());
    }

    private static GrantValidation accepted(GrantValidation parsed, GuardrailCheck.Result document) {
        return new GrantValidation(document.grant(), List.of(), parsed.grantId(), parsed.accountTargets(), parsed.roleName());
    }

    private static GrantValidation refused(GrantValidation parsed, List<Problem> problems) {
        return new GrantValidation(Optional.empty(), new ArrayList<>(problems), parsed.grantId(), parsed.accountTargets(),
                parsed.roleName());
    }
}
