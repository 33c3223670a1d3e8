using Kiln.Communicators;

namespace Kiln.IntegrationTests.Ssh;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshKeyPairTests
{
    private readonly CancellationToken _cancellation = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Creates_an_ed25519_key_that_only_its_owner_can_read_and_removes_it_on_dispose()
    {
        var parent = Directory.CreateTempSubdirectory("kiln-key-").FullName;
        try
        {
            var key = await SshKeyPair.CreateAsync(parent, "kiln-run-1", _cancellation);

            Assert.Equal("ssh-ed25519", key.KeyType);
            Assert.StartsWith($"ssh-ed25519 {key.PublicKeyBlob} kiln-run-1", key.PublicKey, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(key.Directory));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key.PrivateKeyPath));
            Assert.Contains("OPENSSH PRIVATE KEY", await File.ReadAllTextAsync(key.PrivateKeyPath, _cancellation), StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE", key.ToString(), StringComparison.Ordinal);
            Assert.Equal(await FingerprintAsync(key.PrivateKeyPath + ".pub"), key.Fingerprint);

            key.Dispose();

            Assert.False(Directory.Exists(key.Directory));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    private async Task<string> FingerprintAsync(string publicKeyPath)
    {
        var startInfo = new System.Diagnostics.ProcessStartInfo("ssh-keygen") { ArgumentList = { "-l", "-f", publicKeyPath } };
        var output = new CommandOutputTail();
        Assert.Equal(0, await LocalProcess.RunAsync(startInfo, output, _cancellation));
        return output.LastLines[0].Split(' ')[1];
    }
}
