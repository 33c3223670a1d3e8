using Kiln.Builders.Qemu;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Testing;

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

    /// <summary>The built-in plugins and the tests' guest-command provisioner.</summary>
    public static PluginCatalog Catalog { get; } = PluginCatalog.Default.With(provisioners: [new GuestCommandProvisioner()]);

    private static readonly QemuSourceConfig Defaults = new() { Base = new QemuBaseConfig() };

    /// <summary>TCG always: the tests must not depend on whether KVM works on the CI host. Timeouts only stop hangs: a busy 2-core host is slow.</summary>
    public static QemuSourceConfig Config(
        IReadOnlyList<DiskFormat>? formats = null,
        bool verify = true,
        TimeSpan? bootTimeout = null,
        TimeSpan? sshTimeout = null,
        QemuBaseConfig? baseConfig = null,
        QemuVmxConfig? vmx = null,
        QemuFirmware? firmware = null,
        string? sshUsername = null,
        GuestInit? guestInit = null,
        CloudInitConfig? cloudInit = null,
        bool warmBoot = true) => new()
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
            Firmware = firmware ?? Defaults.Firmware,
            SshUsername = sshUsername ?? Defaults.SshUsername,
            GuestInit = guestInit ?? Defaults.GuestInit,
            CloudInit = cloudInit,
            WarmBoot = warmBoot,
        };

    /// <summary>
    /// Runs a build through publishing and always cleans up after it, as a session does. A failure's message comes with
    /// the build's log when the test has one. The pipeline stays open for the test to look at its state.
    /// </summary>
    public static async Task RunAndCleanUpAsync(this IBuildPipeline pipeline, CancellationToken cancellationToken, TestLog? log = null)
    {
        try
        {
            await pipeline.RunAsync(Stage.Publish, cancellationToken);
        }
        catch (KilnException ex) when (log is not null)
        {
            Assert.Fail($"{ex.Message}\n{log.Text}");
        }
        finally
        {
            await pipeline.CleanupAsync(CancellationToken.None);
        }
    }

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
