using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Plugins;

namespace Kiln.Tests.Definitions;

/// <summary>What a build will read from the build host exists, and what it cannot honour is refused, at validation.</summary>
public sealed class LocalPathTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private IReadOnlyList<KilnDiagnostic> Problems(IPluginTypes? plugins = null)
    {
        try
        {
            return DefinitionLoader.Load(_fixture.Directory, new VariableInputs { Environment = new Dictionary<string, string>() }, plugins ?? PluginCatalog.Default).Validate();
        }
        catch (DefinitionException e)
        {
            return e.Diagnostics;
        }
    }

    private const string Definition = """
        name: web
        sources:
          local:
            type: qemu
            base: { image: disks/base.qcow2 }
        provision:
          - shell: { scripts: [scripts/one.sh, scripts/two.sh] }
          - file: { source: site/, destination: /srv/www }
          - file: { source: /var/log/syslog, destination: logs/, direction: download }
          - ansible: { playbook_file: ansible/site.yml }
          - shell-local: { script: hooks/notify.sh, working_directory: hooks }
        publish:
          - vagrant: { vagrantfile_template: Vagrantfile.tpl, include: [README.box] }
        """;

    [Fact]
    public void Every_missing_local_file_is_an_error_at_the_key_that_names_it()
    {
        _fixture.Write("web.kiln.yaml", Definition);
        _fixture.Write("scripts/one.sh", "true");

        var problems = Problems();

        DiagnosticAssert.Single(problems, "'disks/base.qcow2' does not exist", 5, 20);
        DiagnosticAssert.Single(problems, "'scripts/two.sh' does not exist", 7, 40);
        DiagnosticAssert.Single(problems, "'site/' does not exist", 8, 21);
        DiagnosticAssert.Single(problems, "'ansible/site.yml' does not exist", 10, 31);
        DiagnosticAssert.Single(problems, "'hooks/notify.sh' does not exist", 11, 28);
        DiagnosticAssert.Single(problems, "'hooks' does not exist", 11, 64);
        DiagnosticAssert.Single(problems, "'Vagrantfile.tpl' does not exist", 13, 38);
        DiagnosticAssert.Single(problems, "'README.box' does not exist", 13, 65);
        Assert.Equal(8, problems.Count);
        Assert.All(problems, p => Assert.Contains("relative to the definition's directory", p.Hint, StringComparison.Ordinal));
    }

    [Fact]
    public void A_definition_whose_files_all_exist_is_valid_and_a_directory_is_not_taken_for_a_file()
    {
        _fixture.Write("web.kiln.yaml", Definition);
        foreach (var file in (string[])["disks/base.qcow2", "scripts/one.sh", "scripts/two.sh", "site/index.html", "ansible/site.yml", "hooks/notify.sh", "Vagrantfile.tpl", "README.box"])
        {
            _fixture.Write(file, "x");
        }

        Assert.Empty(Problems());

        File.Delete(Path.Combine(_fixture.Directory, "scripts/two.sh"));
        Directory.CreateDirectory(Path.Combine(_fixture.Directory, "scripts/two.sh"));
        DiagnosticAssert.Single(Problems(), "'scripts/two.sh' is a directory, not a file", 7, 40);
    }

    [Fact]
    public void A_path_another_image_produces_is_checked_against_that_images_declared_outputs_not_the_disk()
    {
        _fixture.Write("base.kiln.yaml", "name: base\nsources:\n  local: { type: qemu, base: { bootstrap: {} }, formats: [qcow2, vmdk] }\n");
        _fixture.Write("web.kiln.yaml", """
            name: web
            depends_on: [base]
            sources:
              good: { type: qemu, base: { image: "{{ image.base.artifact.vmdk }}" } }
              bad: { type: qemu, base: { image: "{{ image.base.artifact.qcow3 }}" } }
            """);

        var problem = Assert.Single(Problems());

        Assert.Equal("image 'base' has no output 'qcow3' (it declares qcow2, vmdk)", problem.Message);
        Assert.Equal((5, 41), (problem.Location!.Line, problem.Location.Column));
        Assert.Equal("Did you mean 'qcow2'?", problem.Hint);
    }

    [Fact]
    public void Verify_checks_on_a_source_that_never_runs_them_are_refused_until_limited_to_the_others()
    {
        // The test catalog's amazon-ebs builder has no verify step, as Kiln's had before AMI verify.
        const string Sources = """
            name: web
            sources:
              local: { type: qemu, base: { bootstrap: { suite: bookworm } } }
              aws: { type: amazon-ebs, region: eu-west-1, ami_name: web }
            verify:
            """;
        _fixture.Write("web.kiln.yaml", Sources + "\n  - shell: { inline: [true] }\n");

        var problem = DiagnosticAssert.Single(Problems(TestPlugins.Catalog), "source 'aws' (amazon-ebs) would not run its 1 verify check(s)", 6, 5);
        Assert.Contains("except: [aws]", problem.Hint, StringComparison.Ordinal);

        _fixture.Write("web.kiln.yaml", Sources + "\n  - shell: { inline: [true], except: [aws] }\n");
        Assert.Empty(Problems(TestPlugins.Catalog));
    }

    [Fact]
    public void Verify_checks_on_an_ami_are_accepted_because_kilns_amazon_ebs_boots_the_ami_to_run_them()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            sources:
              aws: { type: amazon-ebs, region: eu-west-1, ami_name: web, source_ami: ami-0123456789abcdef0, instance_type: t3.micro }
            verify:
              - shell: { inline: [true] }
            """);

        Assert.Empty(Problems());
    }
}
