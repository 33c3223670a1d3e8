using Kiln.Builders.Qemu;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// One base image cache for every QEMU test in a run (and across runs on the same machine): the Debian bootstrap
/// costs a minute or two and happens once. $KILN_TEST_CACHE overrides the location.
/// </summary>
internal static class QemuTestEnvironment
{
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("KILN_TEST_CACHE") is { Length: > 0 } configured ? configured : "/var/tmp/kiln-test-cache";

    public static QemuBuilder Builder() => new(CacheDirectory);

    /// <summary>TCG always: the tests must not depend on whether KVM works on the CI host. Timeouts only stop hangs: a busy 2-core host is slow.</summary>
    public static QemuSourceConfig Config(
        IReadOnlyList<DiskFormat>? formats = null,
        bool verify = true,
        TimeSpan? bootTimeout = null,
        TimeSpan? sshTimeout = null,
        QemuBaseConfig? baseConfig = null,
        QemuVmxConfig? vmx = null) => new()
        {
            Base = baseConfig ?? new QemuBaseConfig { Bootstrap = new DebianBootstrapConfig { Suite = "bookworm" } },
            DiskSize = "4G",
            Cpus = 2,
            Memory = 1024,
            Accelerator = QemuAccelerator.Tcg,
            Formats = formats ?? [DiskFormat.Qcow2],
            BootTimeout = bootTimeout ?? TimeSpan.FromMinutes(20),
            SshTimeout = sshTimeout ?? TimeSpan.FromMinutes(10),
            ShutdownTimeout = TimeSpan.FromMinutes(10),
            Verify = new QemuVerifyConfig { Enabled = verify },
            Vmx = vmx ?? new QemuVmxConfig(),
        };

    public static bool QemuRunning(string marker)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("qemu-system", StringComparison.Ordinal) && cmdline.Contains(marker, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (IOException)
            {
                // the process ended while we looked
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return false;
    }
}

/// <summary>Deletes a test build's work directory (disks, console logs, outputs) when the test ends.</summary>
internal sealed class DeletedAtEnd(string directory) : IDisposable
{
    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
