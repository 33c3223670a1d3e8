using System.Formats.Tar;

namespace Kiln.IntegrationTests.Docker;

/// <summary>A two-megabyte root filesystem: Debian's static busybox (busybox-static) and links to the applets the tests use.</summary>
internal static class BusyboxRootfs
{
    private const string Busybox = "/bin/busybox";
    private static readonly string[] Applets = ["sh", "sleep", "cat", "echo", "ls", "mkdir", "rm", "stat", "test", "true", "readlink", "ln", "chmod", "grep", "env"];

    public static async Task<string> WriteAsync(string path, CancellationToken cancellationToken)
    {
        Assert.True(File.Exists(Busybox), "busybox-static is not installed (.ci/packages/docker.txt)");
        await using var file = File.Create(path);
        await using var writer = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var directory in new[] { "bin/", "etc/", "root/", "tmp/" })
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, directory) { Mode = directory == "tmp/" ? (UnixFileMode)0x1FF | UnixFileMode.StickyBit : (UnixFileMode)0x1ED }, cancellationToken);
        }

        await writer.WriteEntryAsync(Busybox, "bin/busybox", cancellationToken);
        foreach (var applet in Applets)
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, $"bin/{applet}") { LinkName = "busybox" }, cancellationToken);
        }

        return path;
    }
}
