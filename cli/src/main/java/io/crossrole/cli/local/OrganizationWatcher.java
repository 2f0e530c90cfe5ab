package io.crossrole.cli.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.organizations.OrganizationsClient;
import software.amazon.awssdk.services.organizations.model.Account;

/**
 * Watches an organization (on an emulator, which has no EventBridge) and turns what changed since the last
 * look into the EventBridge events AWS would send: a new ACTIVE account → {@code CreateAccountResult}, a
 * changed parent → {@code MoveAccount}, a suspended or vanished account → {@code CloseAccount} or
 * {@code RemoveAccountFromOrganization}. The events are the real-shaped samples in events/account-events with
 * the IDs filled in. The first look only records the organization's shape.
 */
public final class OrganizationWatcher {
    private final OrganizationsClient organizations;
    private final Path events;
    private Map<String, String[]> known;

    public OrganizationWatcher(OrganizationsClient organizations, Path repo) {
        this.organizations = organizations;
        this.events = repo.resolve("events/account-events");
    }

    /** The events for what changed since the previous call (none on the first call). */
    public List<String> changes() {
        Map<String, String[]> now = new HashMap<>();
        String management = organizations.describeOrganization().organization().masterAccountId();
        for (Account a : organizations.listAccountsPaginator(r -> { }).stream().flatMap(p -> p.accounts().stream()).toList()) {
            if (a.id().equals(management)) {
                continue;
            }
            String parent = organizations.listParents(r -> r.childId(a.id())).parents().get(0).id();
            now.put(a.id(), new String[] {parent, a.statusAsString()});
        }
        List<String> out = new ArrayList<>();
        if (known != null) {
            now.forEach((id, state) -> {
                String[] before = known.get(id);
                boolean active = "ACTIVE".equals(state[1]);
                if (before == null && active) {
                    out.add(sample("create-account-result.json").replace("333333333333", id));
                } else if (before != null && active && !before[0].equals(state[0])) {
                    out.add(sample("move-account.json").replace("333333333333", id)
                            .replace("ou-ab12-11111111", before[0]).replace("ou-ab12-22222222", state[0]));
                } else if (before != null && "ACTIVE".equals(before[1]) && !active) {
                    out.add(sample("close-account.json").replace("333333333333", id));
                }
            });
            known.keySet().stream().filter(id -> !now.containsKey(id))
                    .forEach(id -> out.add(sample("remove-account.json").replace("333333333333", id)));
        }
        known = now;
        return out;
    }

    private String sample(String file) {
        try {
            return Files.readString(events.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
