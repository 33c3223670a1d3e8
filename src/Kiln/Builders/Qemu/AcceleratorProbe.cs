using System.Globalization;
using System.Text;
using System.Text.Json;
using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Builders.Qemu;

/// <summary>
/// Whether KVM really works. /dev/kvm existing proves nothing (a PVM host has it and fails the guest kernel), so
/// the probe boots the base image under KVM for a short while and looks for the kernel handing over to init on the
/// serial console. The answer is cached per host (kernel, QEMU version) for a day.
/// </summary>
internal static class AcceleratorProbe
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromDays(1);
    private static readonly TimeSpan ProbeTime = TimeSpan.FromSeconds(40);

    public static async Task<bool> UseKvmAsync(QemuBuildState state, ImageCache cache, CancellationToken cancellationToken)
    {
        var context = state.Context;
        switch (state.Config.Accelerator)
        {
            case QemuAccelerator.Tcg:
                return false;
            case QemuAccelerator.Kvm:
                if (!KvmDeviceUsable())
                {
                    throw new KilnException("accelerator is kvm but /dev/kvm is missing or not writable", "use accelerator: auto or tcg, or give this user access to /dev/kvm");
                }

                return true;
        }

        if (!KvmDeviceUsable())
        {
            context.Log.Info("/dev/kvm is not available: using TCG (software emulation)");
            return false;
        }

        var record = cache.PathFor("probes", $"kvm-{HostKey()}.json");
        if (File.Exists(record) && DateTime.UtcNow - File.GetLastWriteTimeUtc(record) < CacheLifetime)
        {
            var cached = JsonSerializer.Deserialize<ProbeResult>(await File.ReadAllTextAsync(record, cancellationToken));
            if (cached is not null)
            {
                Report(context, cached, fromCache: true);
                return cached.Works;
            }
        }

        context.Log.Info($"probing whether KVM works here (at most {ProbeTime.TotalSeconds:0} s, once a day)");
        var result = await ProbeAsync(state, cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        var temp = record + $".{Guid.NewGuid():N}";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(result), cancellationToken);
        File.Move(temp, record, overwrite: true);
        Report(context, result, fromCache: false);
        return result.Works;
    }

    private static void Report(BuildContext context, ProbeResult result, bool fromCache)
    {
        var when = fromCache ? " (cached probe)" : "";
        if (result.Works)
        {
            context.Log.Info($"KVM works{when}: using it");
        }
        else
        {
            context.Log.Warn($"/dev/kvm exists but KVM does not boot a guest here{when}: {result.Reason}. Falling back to TCG, which is several times slower. Set accelerator: tcg to skip the probe.");
        }
    }

    private static async Task<ProbeResult> ProbeAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var serial = Path.Combine(state.Context.WorkDirectory, "kvm-probe-serial.log");
        var options = new QemuMachineOptions
        {
            Name = "kiln-kvm-probe",
            DiskPath = state.BaseImagePath!,
            DiskFormat = state.BaseImageFormat!,
            Cpus = 1,
            MemoryMiB = 512,
            UseKvm = true,
            Machine = state.Config.Machine,
            Snapshot = true,
        };
        try
        {
            QemuMachine machine;
            try
            {
                machine = await QemuMachine.StartAsync(state.Context, options, serial, cancellationToken);
            }
            catch (KilnException ex)
            {
                return new ProbeResult(false, ex.Message.Split('\n')[0]);
            }

            await using (machine)
            {
                var deadline = DateTime.UtcNow + ProbeTime;
                while (DateTime.UtcNow < deadline)
                {
                    var console = ReadShared(serial);
                    if (console.Contains("Run /init as init process", StringComparison.Ordinal) || console.Contains("Freeing unused kernel", StringComparison.Ordinal))
                    {
                        return new ProbeResult(true, "the guest kernel started");
                    }

                    if (machine.HasExited)
                    {
                        return new ProbeResult(false, "QEMU stopped during the probe boot");
                    }

                    await Task.Delay(500, cancellationToken);
                }

                return new ProbeResult(false, $"the guest kernel did not start within {ProbeTime.TotalSeconds:0} s");
            }
        }
        finally
        {
            File.Delete(serial);
        }
    }

    private static bool KvmDeviceUsable()
    {
        try
        {
            using var device = new FileStream("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string HostKey()
    {
        var kernel = ReadShared("/proc/sys/kernel/osrelease").Trim();
        var qemu = new FileInfo(HostTool.Locate("qemu-system-x86_64"));
        var key = $"{kernel}|{qemu.Length}|{qemu.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)}";
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
    }

    private static string ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }

    internal sealed record ProbeResult(bool Works, string Reason);
}
