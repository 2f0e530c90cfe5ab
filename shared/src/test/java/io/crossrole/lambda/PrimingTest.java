package io.crossrole.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrimingTest {

    @Test
    void primeSdk_answersEveryCallOffline_soNoPathIsSkipped() {
        // 3 rounds of: AssumeRole, GetRole (found, then NoSuchEntity), 2 role lists, CreateRole, PutRolePolicy,
        // AttachRolePolicy, DynamoDB query, update and put, GAAD, ListRoles, 2 Organizations calls
        assertThat(Priming.primeSdk()).isEqualTo(45);
    }

    @Test
    void primeMetrics_serialisesOneEmbeddedMetricDocument() {
        assertThat(Priming.primeMetrics()).isEqualTo(1);
    }
}
