using Kiln.Builders.Qemu;
using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.IntegrationTests.Qemu;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Provisioners;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Provisioners;

/// <summary>
/// The real puppet from Debian (the puppet package, 7.x, baked into a bootstrapped bookworm base) in a QEMU guest
/// under TCG. One boot serves every case: a manifest with a module, Hiera data and a fact; the same run again
/// (no changes); a syntax error; a failing resource.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class PuppetMasterlessTests
{
    [Fact]
    public async Task Puppet_applies_modules_hiera_and_facts_in_a_debian_guest_and_fails_with_its_own_messages()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new TestLog();
        var config = QemuTestEnvironment.Config(
            verify: false,
            baseConfig: new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig { Suite = "bookworm", Packages = ["puppet"] } });
        var context = TestBuild.Context(config, type: "qemu", image: "pup", log: log);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        var definitions = context.WorkDirectory;
        Write(definitions, "puppet/site.pp", """
            include kiln_module
            file { '/srv/role.txt':
              content => "role=${facts['role']} greeting=${lookup('greeting')}\n",
            }
            """);
        Write(definitions, "puppet/modules/kiln_module/manifests/init.pp", """
            class kiln_module {
              file { '/srv/module.txt': content => "from a module\n" }
            }
            """);
        Write(definitions, "puppet/hiera.yaml", """
            ---
            version: 5
            defaults:
              datadir: data
              data_hash: yaml_data
            hierarchy:
              - name: common
                path: common.yaml
            """);
        Write(definitions, "puppet/data/common.yaml", "greeting: hello from hiera\n");
        Write(definitions, "puppet/broken.pp", "file { '/srv/broken.txt': content => 'x'\n");
        Write(definitions, "puppet/failing.pp", "exec { 'always fails': command => '/bin/false' }\n");

        await using var pipeline = QemuTestEnvironment.Builder().CreatePipeline(context);
        try
        {
            await pipeline.RunAsync(Stage.Boot, ct);
            var state = pipeline.State;
            IProvisioner puppet = new PuppetMasterlessProvisioner();
            var site = new PuppetMasterlessConfig
            {
                ManifestFile = "puppet/site.pp",
                ModulePaths = ["puppet/modules"],
                HieraConfigPath = "puppet/hiera.yaml",
                HieraDataDir = "puppet/data",
                Facter = new Dictionary<string, string> { ["role"] = "web" },
            };

            await puppet.RunAsync(site, state, ct);
            Assert.Contains("puppet-masterless: applied, with changes", log.Text, StringComparison.Ordinal);
            Assert.Equal(["role=web greeting=hello from hiera"], await GuestLinesAsync(state, "cat /srv/role.txt", ct));
            Assert.Equal(["from a module"], await GuestLinesAsync(state, "cat /srv/module.txt", ct));
            Assert.Equal(["gone"], await GuestLinesAsync(state, "test -e /tmp/kiln-puppet-masterless || echo gone", ct));

            await puppet.RunAsync(site, state, ct);
            Assert.Contains("puppet-masterless: applied, no changes", log.Text, StringComparison.Ordinal);

            var syntax = await Assert.ThrowsAsync<KilnException>(() => puppet.RunAsync(new PuppetMasterlessConfig { ManifestFile = "puppet/broken.pp" }, state, ct));
            Assert.Contains("exit code 1 (puppet could not run)", syntax.Message, StringComparison.Ordinal);
            Assert.Contains("Error: Could not parse for environment production: Syntax error at end of input", syntax.Message, StringComparison.Ordinal);
            Assert.Contains("broken.pp", syntax.Message, StringComparison.Ordinal);
            Assert.Contains("puppet parser validate", syntax.Hint, StringComparison.Ordinal);

            var failing = await Assert.ThrowsAsync<KilnException>(() => puppet.RunAsync(new PuppetMasterlessConfig { ManifestFile = "puppet/failing.pp" }, state, ct));
            Assert.Matches("exit code [46] ", failing.Message);
            Assert.Contains("'/bin/false' returned 1 instead of one of [0]", failing.Message, StringComparison.Ordinal);
            Assert.Equal(["gone"], await GuestLinesAsync(state, "test -e /tmp/kiln-puppet-masterless || echo gone", ct));
        }
        finally
        {
            await pipeline.CleanupAsync(CancellationToken.None);
        }

        Assert.False(QemuTestEnvironment.QemuRunning("kiln-pup-"));
    }

    private static void Write(string root, string relativePath, string content)
    {
        var path = Path.Combine(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static async Task<IReadOnlyList<string>> GuestLinesAsync(BuildState state, string command, CancellationToken ct)
    {
        var output = new CommandOutputTail();
        var result = await state.Communicator!.ExecuteAsync(new RemoteCommand(command) { Sudo = true }, output, ct);
        Assert.Equal(0, result.ExitCode);
        return output.LastLines;
    }
}
