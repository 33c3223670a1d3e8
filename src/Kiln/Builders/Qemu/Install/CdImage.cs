using Kiln.Engine;

namespace Kiln.Builders.Qemu.Install;

/// <summary>An ISO 9660 image (with Joliet and Rock Ridge names) of cd_files, made with xorriso, else genisoimage.</summary>
internal static class CdImage
{
    public static bool IsValidLabel(string label) =>
        label.Length is > 0 and <= 32 && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>Writes <paramref name="iso"/> holding every file and folder in <paramref name="sources"/> at its top level.</summary>
    public static async Task CreateAsync(BuildContext context, IReadOnlyList<string> sources, string? label, string iso, CancellationToken cancellationToken)
    {
        var volume = label ?? "KILN";
        if (HostTool.Exists("xorriso"))
        {
            List<string> arguments = ["-as", "mkisofs", "-quiet", "-J", "-R", "-V", volume, "-o", iso, "-graft-points"];
            arguments.AddRange(sources.Select(Graft));
            await HostTool.RunAsync(context, "xorriso", arguments, cancellationToken);
            return;
        }

        if (HostTool.Exists("genisoimage"))
        {
            List<string> arguments = ["-quiet", "-J", "-R", "-V", volume, "-o", iso, "-graft-points"];
            arguments.AddRange(sources.Select(Graft));
            await HostTool.RunAsync(context, "genisoimage", arguments, cancellationToken);
            return;
        }

        throw new Diagnostics.KilnException("cd_files needs xorriso or genisoimage, and neither is installed", "install one: apt-get install xorriso");
    }

    /// <summary>"name=path": a file or a folder's contents under its own name at the CD's root.</summary>
    private static string Graft(string source)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(source));
        return $"/{Escape(name)}={Escape(source)}";
    }

    private static string Escape(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);
}
