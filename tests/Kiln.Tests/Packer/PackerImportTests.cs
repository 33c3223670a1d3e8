using Kiln.Diagnostics;
using Kiln.Packer;
using Kiln.Plugins;
using Kiln.Tests.Definitions;

namespace Kiln.Tests.Packer;

/// <summary>ImportPacker on real public templates (tests/Kiln.Tests/Packer/Fixtures, sources and licences in SOURCES.md).</summary>
public sealed class PackerImportTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(RepositoryFiles.Root, "tests", "Kiln.Tests", "Packer", "Fixtures");

    private readonly string _templates = Directory.CreateTempSubdirectory("kiln-import-").FullName;

    public void Dispose() => Directory.Delete(_templates, recursive: true);

    private PackerImportResult Import(string from, params string[] varFiles) =>
        PackerImporter.Import(new PackerImportSettings { From = Path.Combine(Fixtures, from), VarFiles = [.. varFiles.Select(v => Path.Combine(Fixtures, v))], Templates = _templates });

    private static bool Reported(PackerImportResult result, string file, string text) =>
        result.Report.Any(e => e.Position.File.EndsWith(file, StringComparison.Ordinal) && e.Message.Contains(text, StringComparison.Ordinal));

    [Fact]
    public void Bento_debian_12_becomes_a_valid_definition_with_its_scripts_and_a_report_of_the_rest()
    {
        var result = Import("bento/packer_templates", "bento/os_pkrvars/debian/debian-12-x86_64.pkrvars.hcl");

        var path = Assert.Single(result.Written);
        Assert.Equal("debian-12-x86_64.kiln.yaml", Path.GetFileName(path));
        var yaml = File.ReadAllText(path);
        Assert.Contains("type: \"qemu\"", yaml, StringComparison.Ordinal);
        Assert.Contains("suite: \"bookworm\"", yaml, StringComparison.Ordinal);
        Assert.Contains("scripts/_common/update_packages.sh", yaml, StringComparison.Ordinal);
        Assert.Contains("scripts/debian/cleanup_debian.sh", yaml, StringComparison.Ordinal);
        Assert.Contains("\"HOME_DIR\": \"/home/vagrant\"", yaml.Replace("HOME_DIR: ", "\"HOME_DIR\": ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("{vars}", yaml, StringComparison.Ordinal);
        Assert.Contains("{path}", yaml, StringComparison.Ordinal);
        Assert.Empty(PackerImporter.Validate([(path, yaml)], PluginCatalog.Default));

        Assert.True(Reported(result, "pkr-sources.pkr.hcl", "builder 'virtualbox-iso'"), string.Join("\n", result.Report));
        Assert.True(Reported(result, "pkr-sources.pkr.hcl", "Debian 12 installer ISO is replaced by Kiln's Debian bootstrap"), string.Join("\n", result.Report));
        Assert.True(Reported(result, "pkr-builder.pkr.hcl", "provisioner 'powershell' is not translated"), string.Join("\n", result.Report));
        Assert.True(Reported(result, "pkr-builder.pkr.hcl", "'pause_after' of provisioner 'shell' is not translated"), string.Join("\n", result.Report));
        Assert.True(Reported(result, "pkr-plugins.pkr.hcl", "the packer block"), string.Join("\n", result.Report));
        Assert.All(result.Report, e => Assert.True(e.Position.Line > 0));
    }

    [Fact]
    public void Bento_ubuntu_24_04_reports_why_its_installer_iso_is_not_translated()
    {
        var error = Assert.Throws<KilnException>(() => Import("bento/packer_templates", "bento/os_pkrvars/ubuntu/ubuntu-24.04-x86_64.pkrvars.hcl"));

        Assert.Contains("ubuntu-24.04.4-live-server-amd64.iso is not translated", error.Message, StringComparison.Ordinal);
        Assert.Contains("pkr-sources.pkr.hcl:", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_templates));
    }

    [Fact]
    public void The_qemu_plugins_example_reads_but_its_ubuntu_installer_is_reported()
    {
        var error = Assert.Throws<KilnException>(() => Import("packer-plugin-qemu/example/build.pkr.hcl"));

        Assert.Contains("build.pkr.hcl:", error.Message, StringComparison.Ordinal);
        Assert.Contains("ubuntu-16.04.7-server-amd64.iso is not translated", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_templates));
    }

    [Fact]
    public void Image_builders_json_template_keeps_user_variables_as_kiln_variables()
    {
        var error = Assert.Throws<KilnException>(() => Import("image-builder/packer.json", "image-builder/qemu-ubuntu-2404.json"));
        Assert.Contains("packer.json:", error.Message, StringComparison.Ordinal);

        var cloud = Assert.Throws<KilnException>(() => Import("image-builder/packer.json", "image-builder/qemu-ubuntu-2204-cloudimg.json"));
        Assert.Contains("checksum 'file:https://cloud-images.ubuntu.com/jammy/current/SHA256SUMS' is not translated", cloud.Message, StringComparison.Ordinal);
    }
}
