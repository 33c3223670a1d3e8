using Kiln.Images;

namespace Kiln.Tests.Images;

/// <summary>What an installer reads (http_directory's files, cd_files' folders and files, http_content) is an input of the image.</summary>
public sealed class InstallerInputFingerprintTests : IDisposable
{
    private readonly ImageRepository _repo = new();

    public InstallerInputFingerprintTests()
    {
        _repo.Write("templates/installer.iso", "not really an ISO");
        _repo.Write("templates/http/preseed.cfg", "d-i passwd/user-fullname string packer\n");
        _repo.Write("templates/http/nested/late.sh", "echo late\n");
        _repo.Write("templates/cd/ks.cfg", "rootpw --lock\n");
        _repo.Write("templates/meta-data", "instance-id: one\n");
        WriteDefinition("/extra.cfg: inline answers");
    }

    [Theory]
    [InlineData("templates/http/preseed.cfg")]
    [InlineData("templates/http/nested/late.sh")]
    [InlineData("templates/cd/ks.cfg")]
    [InlineData("templates/meta-data")]
    public void A_changed_file_the_installer_reads_changes_the_fingerprint(string file)
    {
        var before = Fingerprint();
        _repo.Write(file, "changed\n");

        Assert.NotEqual(before, Fingerprint());
    }

    [Fact]
    public void A_new_file_in_the_http_directory_changes_the_fingerprint()
    {
        var before = Fingerprint();
        _repo.Write("templates/http/extra.cfg", "more\n");

        Assert.NotEqual(before, Fingerprint());
    }

    [Fact]
    public void Changed_http_content_changes_the_fingerprint_and_unchanged_inputs_keep_it()
    {
        var before = Fingerprint();
        Assert.Equal(before, Fingerprint());

        WriteDefinition("/extra.cfg: other inline answers");

        Assert.NotEqual(before, Fingerprint());
    }

    public void Dispose() => _repo.Dispose();

    private void WriteDefinition(string httpContent) => _repo.Write("templates/installer.kiln.yaml", $$"""
        name: installer
        sources:
          local:
            type: qemu
            base:
              iso: { path: installer.iso, checksum: "sha256:0000000000000000000000000000000000000000000000000000000000000000" }
            boot_command: ["<enter>"]
            http_directory: http
            http_content: { {{httpContent}} }
            cd_files: [cd, meta-data]
        """);

    private string Fingerprint()
    {
        var settings = _repo.Settings();
        var set = KilnImages.Load(settings);
        var image = set.Resolve("installer", BuildFingerprint.Scope);
        return BuildFingerprint.Compute(image, image.Sources[0], settings.Catalog, set.Redactor, []);
    }
}
