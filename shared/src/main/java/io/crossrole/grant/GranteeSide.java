package io.crossrole.grant;

import io.crossrole.model.Arn;
import java.util.List;

/**
 * Which side of a grant a grantee principal is on: allowed to assume the grant's roles ({@code granteeAttach}) or
 * explicitly denied ({@code granteeDeny}: the seeds' guard for everyone in a trusted account but the intended
 * principals).
 */
public enum GranteeSide {
    ALLOW("granteeAttach"),
    DENY("granteeDeny");

    private final String field;

    GranteeSide(String field) {
        this.field = field;
    }

    /** The grant attribute that lists this side's principals. */
    public String field() {
        return field;
    }

    /** The principals the grant puts on this side. */
    public List<Arn> of(Grant grant) {
        return this == ALLOW ? grant.granteeAttach() : grant.granteeDeny();
    }
}
