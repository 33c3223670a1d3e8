using Kiln.Diagnostics;
using Kiln.Provisioners;

namespace Kiln.IntegrationTests.Provisioners;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AnsibleProvisionerTests : ProvisionerHarness
{
    [Fact]
    public async Task A_playbook_for_the_machine_s_group_changes_the_machine()
    {
        await WriteDefinitionFileAsync("ansible/site.yml", $"""
            - hosts: webservers
              gather_facts: false
              tasks:
                - name: write the marker
                  ansible.builtin.copy:
                    dest: "{Remote}/from-ansible"
                    content: "role={"{{"} role {"}}"} build={"{{"} lookup('env', 'KILN_BUILD_NAME') {"}}"}\n"
                    mode: "0640"
            """);

        await ProvisionAsync("ansible", new AnsibleConfig
        {
            PlaybookFile = "ansible/site.yml",
            Groups = ["webservers"],
            ExtraArguments = ["--extra-vars", "role=web"],
        });

        Assert.Equal("role=web build=web.local\n", await File.ReadAllTextAsync(Path.Combine(Remote, "from-ansible"), Cancellation));
        Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(Path.Combine(Remote, "from-ansible")));
        Assert.Contains(Log.Lines, l => l.Contains("write the marker", StringComparison.Ordinal));
        Assert.DoesNotContain(Ledger.Open, r => r.Kind is "process" or "directory" && !r.Id.Contains("ssh-key", StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateDirectories(State.Context.WorkDirectory, "ansible-*"));
    }

    [Fact]
    public async Task A_failing_playbook_is_an_error_with_the_exit_code_and_the_failing_task()
    {
        await WriteDefinitionFileAsync("broken.yml", """
            - hosts: all
              gather_facts: false
              tasks:
                - name: this task fails on purpose
                  ansible.builtin.command: /bin/false
            """);

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            ProvisionAsync("ansible", new AnsibleConfig { PlaybookFile = "broken.yml" }));

        Assert.Contains("exited with code 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("this task fails on purpose", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_playbook_is_an_error_naming_where_it_was_looked_for()
    {
        var error = await Assert.ThrowsAsync<KilnException>(() =>
            ProvisionAsync("ansible", new AnsibleConfig { PlaybookFile = "missing.yml" }));

        Assert.Contains(Path.Combine(DefinitionDirectory, "missing.yml"), error.Message, StringComparison.Ordinal);
    }
}
