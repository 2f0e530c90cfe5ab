package io.crossrole.cli.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.crossrole.testing.TestFiles;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamTemplateTest {

    @Test
    void read_turnsShortFormIntrinsicsIntoLongForms() {
        SamTemplate t = SamTemplate.read("""
                Parameters:
                  Hub: {Type: String, Default: ''}
                Conditions:
                  HasHub: !Not [!Equals [!Ref Hub, '']]
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      Environment:
                        Variables:
                          TABLE: !Ref T
                          STREAM: !GetAtt T.StreamArn
                          ROLE: !Sub arn:${AWS::Partition}:iam::*:role/x
                          PLAIN: '42'
                  T:
                    Type: AWS::DynamoDB::Table
                """);

        Map<String, Object> vars = SamTemplate.map(SamTemplate.map(SamTemplate.map(
                t.resource("Fn").orElseThrow().get("Properties")).get("Environment")).get("Variables"));
        assertThat(vars.get("TABLE")).isEqualTo(Map.of("Ref", "T"));
        assertThat(vars.get("STREAM")).isEqualTo(Map.of("Fn::GetAtt", "T.StreamArn"));
        assertThat(vars.get("ROLE")).isEqualTo(Map.of("Fn::Sub", "arn:${AWS::Partition}:iam::*:role/x"));
        assertThat(vars.get("PLAIN")).isEqualTo("42");
        assertThat(t.resourcesOfType("AWS::DynamoDB::Table")).containsExactly("T");
        assertThat(t.parameters()).containsKey("Hub");
    }

    @Test
    void repositoryTemplate_declaresTheFoundationInterface() {
        SamTemplate t = SamTemplate.read(TestFiles.repoRoot().resolve("template.yaml"));

        assertThat(t.resourcesOfType("AWS::DynamoDB::Table")).contains("GrantsTable", "AssignmentsTable");
        assertThat(t.functionProperty("GrantStreamFunction", "Handler"))
                .contains("io.crossrole.functions.grantstream.GrantStreamHandler::handleRequest");
        assertThat(t.functionProperty("GrantStreamFunction", "Runtime")).contains("java25");
        Map<String, Object> events = SamTemplate.map(t.functionProperty("GrantStreamFunction", "Events").orElseThrow());
        Map<String, Object> stream = SamTemplate.map(SamTemplate.map(events.values().iterator().next()).get("Properties"));
        assertThat(stream.get("FunctionResponseTypes")).isEqualTo(List.of("ReportBatchItemFailures"));
        assertThat(stream.get("BisectBatchOnFunctionError")).isEqualTo(true);
    }
}
