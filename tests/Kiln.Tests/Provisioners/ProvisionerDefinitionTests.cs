using Kiln.Definitions;
using Kiln.Plugins;
using Kiln.Provisioners;
using Kiln.Tests.Definitions;

namespace Kiln.Tests.Provisioners;

/// <summary>The provisioners' configs as a definition writes them: bound by the real loader, checked by their own rules.</summary>
public sealed class ProvisionerDefinitionTests : IDisposable
{
    private static readonly PluginCatalog Catalog = PluginCatalog.FromAssemblies().With(
        builders: [new TestQemuBuilder()],
        provisioners: [new ShellProvisioner(), new FileProvisioner(), new ShellLocalProvisioner(), new AnsibleProvisioner(), new BreakpointProvisioner()]);

    private readonly string _directory = Directory.CreateTempSubdirectory("kiln-prov-defs-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private DefinitionSet Load(string provision)
    {
        File.WriteAllText(Path.Combine(_directory, "web.kiln.yaml"), $"""
            name: web
            sources:
              local:
                type: qemu
                base: {"{"} image: base.qcow2 {"}"}
            provision:
            {provision}
            """);
        return DefinitionLoader.Load(_directory, new VariableInputs { Environment = new Dictionary<string, string>() }, Catalog);
    }

    private IReadOnlyList<Kiln.Diagnostics.KilnDiagnostic> Problems(string provision)
    {
        try
        {
            return Load(provision).Validate();
        }
        catch (Kiln.Diagnostics.DefinitionException e)
        {
            return e.Diagnostics;
        }
    }

    [Fact]
    public void Every_provisioner_binds_from_its_snake_case_keys()
    {
        foreach (var name in (string[])["a.sh", "b.sh", "site.yml"])
        {
            File.WriteAllText(Path.Combine(_directory, name), "");
        }

        Directory.CreateDirectory(Path.Combine(_directory, "hooks"));
        var set = Load("""
              - shell:
                  scripts: [a.sh, b.sh]
                  env: { GREETING: hello }
                  execute_command: "sudo {vars} sh {path}"
                  expect_disconnect: true
                  valid_exit_codes: [0, 3]
                  remote_folder: /var/tmp
                  pause_before: 10s
                  max_retries: 2
              - file: { source: site/, destination: /srv/www, direction: download }
              - shell-local: { command: ./notify.sh, working_directory: hooks }
              - ansible: { playbook_file: site.yml, groups: [web], extra_arguments: [-v], user: admin }
              - breakpoint: { note: look around }
            """);

        Assert.Empty(set.Validate());
        var provisioners = set.Resolve("web", BuildScope.Symbolic).Sources[0].Provisioners;
        Assert.Equal(["shell", "file", "shell-local", "ansible", "breakpoint"], provisioners.Select(p => p.Type));
        var shell = Assert.IsType<ShellConfig>(provisioners[0].Config);
        Assert.Equal(["a.sh", "b.sh"], shell.Scripts);
        Assert.Equal("hello", shell.Env["GREETING"]);
        Assert.Equal("sudo {vars} sh {path}", shell.ExecuteCommand);
        Assert.True(shell.ExpectDisconnect);
        Assert.Equal([0, 3], shell.ValidExitCodes);
        Assert.Equal("/var/tmp", shell.RemoteFolder);
        Assert.Equal(TimeSpan.FromSeconds(10), shell.PauseBefore);
        Assert.Equal(2, shell.MaxRetries);
        var file = Assert.IsType<FileConfig>(provisioners[1].Config);
        Assert.Equal((FileDirection.Download, "site/", "/srv/www"), (file.Direction, file.Source, file.Destination));
        Assert.Equal("hooks", Assert.IsType<ShellLocalConfig>(provisioners[2].Config).Options.WorkingDirectory);
        var ansible = Assert.IsType<AnsibleConfig>(provisioners[3].Config);
        Assert.Equal(("site.yml", "admin"), (ansible.PlaybookFile, ansible.User));
        Assert.Equal(["web"], ansible.Groups);
        Assert.Equal("look around", Assert.IsType<BreakpointConfig>(provisioners[4].Config).Note);
    }

    [Theory]
    [InlineData("- shell: { inline: [ls], script: a.sh }", "use only one of inline, script and scripts")]
    [InlineData("- shell: { remote_folder: /tmp }", "nothing to run")]
    [InlineData("- shell: { inline: [ls], execute_command: \"sh -x\" }", "must contain {path}")]
    [InlineData("- shell: { inline: [ls], valid_exit_codes: [] }", "no exit code would count as success")]
    [InlineData("- shell: { inline: [ls], remote_folder: tmp }", "must be an absolute path")]
    [InlineData("- shell: { inline: [ls], env: { \"BAD-NAME\": x } }", "not a valid environment variable name")]
    [InlineData("- file: { destination: /x }", "nothing to copy")]
    [InlineData("- file: { source: a, content: b, destination: /x }", "either source or content")]
    [InlineData("- file: { content: b, destination: /x, direction: download }", "content can only be uploaded")]
    [InlineData("- file: { content: b, destination: /etc/ }", "content needs a file name")]
    [InlineData("- shell-local: { command: a, inline: [b] }", "use only one of command, inline and script")]
    [InlineData("- ansible: { playbook_file: site.yml, groups: [\"web servers\"] }", "not a valid Ansible group name")]
    public void Broken_entries_are_reported_where_they_are_written(string provision, string message)
    {
        var problems = Problems("  " + provision);

        var problem = Assert.Single(problems, p => p.Message.Contains(message, StringComparison.Ordinal));
        Assert.NotNull(problem.Location);
        Assert.True(problem.Location.Line >= 7, problem.ToString());
    }

    [Fact]
    public void A_missing_required_key_is_reported()
    {
        var problems = Problems("  - file: { source: a }");

        Assert.Contains(problems, p => p.Message.Contains("destination", StringComparison.Ordinal));
    }
}
