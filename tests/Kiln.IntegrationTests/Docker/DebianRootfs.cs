namespace Kiln.IntegrationTests.Docker;

/// <summary>
/// A Debian 12 root filesystem tarball from the Debian mirror, made once by mmdebstrap and kept in the user's
/// cache (KILN_TEST_CACHE overrides), so test runs after the first skip the 20-60 s bootstrap.
/// </summary>
internal static class DebianRootfs
{
    private const string Mirror = "http://deb.debian.org/debian";
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<string> EnsureAsync(CancellationToken cancellationToken)
    {
        var cache = Environment.GetEnvironmentVariable("KILN_TEST_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "kiln-tests");
        Directory.CreateDirectory(cache);
        var path = Path.Combine(cache, "debian-bookworm-apt-rootfs.tar");
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(path))
            {
                return path;
            }

            var partial = $"{path}.{Environment.ProcessId}.partial";
            var result = await ProcessRunner.RunAsync(
                "mmdebstrap", $"--variant=apt --format=tar --quiet bookworm {partial} {Mirror}", cancellationToken);
            if (result.ExitCode != 0)
            {
                File.Delete(partial);
                Assert.Fail($"mmdebstrap failed ({result.ExitCode}): {result.Output}");
            }

            File.Move(partial, path, overwrite: true);
            return path;
        }
        finally
        {
            Gate.Release();
        }
    }
}
