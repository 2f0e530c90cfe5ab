package io.crossrole.lambda;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullResponse;

/**
 * An HTTP client that answers every request itself with a minimal successful response for its operation, never
 * opening a connection: priming runs the SDK's request and response code paths (marshalling, signing, XML and
 * JSON parsing) through it before a SnapStart snapshot.
 */
final class CannedHttpClient implements SdkHttpClient {
    /** GetRole of this name answers IAM's NoSuchEntity, as for a role a grant is about to create. */
    static final String ABSENT_ROLE = "PrimingAbsent";

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() {
                String answer = answer(request);
                byte[] body = answer.getBytes(StandardCharsets.UTF_8);
                return HttpExecuteResponse.builder()
                        .response(SdkHttpFullResponse.builder().statusCode(answer.startsWith("<ErrorResponse") ? 404 : 200)
                                .putHeader("x-amzn-RequestId", "priming").putHeader("Content-Length", String.valueOf(body.length))
                                .build())
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body)))
                        .build();
            }

            @Override
            public void abort() {
                // nothing in flight
            }
        };
    }

    private static String answer(HttpExecuteRequest request) {
        Optional<String> target = request.httpRequest().firstMatchingHeader("X-Amz-Target");
        if (target.isPresent()) {
            return target.get().endsWith(".Query") ? "{\"Items\":[],\"Count\":0,\"ScannedCount\":0}" : "{}";
        }
        String form = form(request);
        String action = action(form);
        if (action.equals("GetRole") && form.contains("RoleName=" + ABSENT_ROLE)) {
            return "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
                    + "<Code>NoSuchEntity</Code><Message>The role with name " + ABSENT_ROLE + " cannot be found.</Message></Error>"
                    + "<RequestId>priming</RequestId></ErrorResponse>";
        }
        String namespace = request.httpRequest().host().startsWith("sts") ? "https://sts.amazonaws.com/doc/2011-06-15/"
                : "https://iam.amazonaws.com/doc/2010-05-08/";
        String result = switch (action) {
            case "AssumeRole" -> "<Credentials><AccessKeyId>ASIAPRIMING</AccessKeyId><SecretAccessKey>priming</SecretAccessKey>"
                    + "<SessionToken>priming</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                    + "<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/Priming/priming</Arn>"
                    + "<AssumedRoleId>AROAPRIMING:priming</AssumedRoleId></AssumedRoleUser>";
            case "GetRole" -> "<Role><Path>/</Path><RoleName>Priming</RoleName><RoleId>AROAPRIMING</RoleId>"
                    + "<Arn>arn:aws:iam::111111111111:role/Priming</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>"
                    + "<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>"
                    + "<MaxSessionDuration>3600</MaxSessionDuration><Tags><member><Key>k</Key><Value>v</Value></member></Tags></Role>";
            default -> "<IsTruncated>false</IsTruncated>";
        };
        return "<" + action + "Response xmlns=\"" + namespace + "\"><" + action + "Result>" + result + "</" + action + "Result>"
                + "<ResponseMetadata><RequestId>priming</RequestId></ResponseMetadata></" + action + "Response>";
    }

    private static String form(HttpExecuteRequest request) {
        try (InputStream in = request.contentStreamProvider().map(p -> p.newStream()).orElse(InputStream.nullInputStream())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String action(String form) {
        for (String pair : form.split("&")) {
            if (pair.startsWith("Action=")) {
                return URLDecoder.decode(pair.substring(7), StandardCharsets.UTF_8);
            }
        }
        return "Unknown";
    }

    @Override
    public void close() {
        // nothing to release
    }
}
