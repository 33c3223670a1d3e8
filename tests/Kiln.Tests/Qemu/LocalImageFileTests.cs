using System.Security.Cryptography;
using Kiln.Builders.Qemu;
using Kiln.Diagnostics;

namespace Kiln.Tests.Qemu;

/// <summary>The one check of a local base image or installer ISO that both resolve steps use.</summary>
public sealed class LocalImageFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kiln-local-image-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_missing_file_is_named_with_its_absolute_path_and_the_hint()
    {
        var error = Assert.Throws<KilnException>(() => LocalImageFile.Existing("disks/base.qcow2", _directory, "the base image", "fix base.image"));

        Assert.Equal($"the base image {Path.Combine(_directory, "disks", "base.qcow2")} does not exist", error.Message);
        Assert.Equal("fix base.image", error.Hint);
    }

    [Fact]
    public async Task A_file_url_resolves_and_only_the_right_sha256_passes()
    {
        var path = Path.Combine(_directory, "installer.iso");
        await File.WriteAllTextAsync(path, "iso bytes", TestContext.Current.CancellationToken);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

        Assert.Equal(path, LocalImageFile.Existing(new Uri(path).AbsoluteUri, "/elsewhere", "the installer ISO", "fix base.iso.path"));
        await LocalImageFile.VerifyAsync(path, new ImageChecksum(sha256), "the installer ISO", "base.iso.checksum", TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<KilnException>(() =>
            LocalImageFile.VerifyAsync(path, new ImageChecksum(new string('0', 64)), "the installer ISO", "base.iso.checksum", TestContext.Current.CancellationToken));
        Assert.Equal($"the installer ISO {path} has sha256 {sha256}, not the expected {new string('0', 64)}", error.Message);
        Assert.Equal("update base.iso.checksum or replace the file", error.Hint);
    }
}
