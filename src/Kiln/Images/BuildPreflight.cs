using Kiln.Builders.Qemu;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Model;
using Kiln.Sessions;

namespace Kiln.Images;

/// <summary>
/// What a build can check before it starts anything (a VM, a container, a download): the folders it writes are
/// writable and have room, and the host programs its sources run are installed. Each problem says how to fix it.
/// </summary>
public static class BuildPreflight
{
    /// <summary>Less than this free where outputs and work disks go, and a build would fail late with a full disk.</summary>
    public const long MinimumFreeBytes = 1L << 30;

    public static IReadOnlyList<KilnException> Check(ImageBuildSettings settings, DefinitionSet definitions, ImageSelection selection)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(selection);
        var problems = new List<KilnException>();
        CheckFolder(problems, "output folder", settings.FullPath(settings.Output), "--output");
        CheckFolder(problems, "work folder", BuildSessionOptions.DefaultWorkDirectory, "TMPDIR");

        var types = selection.Images
            .SelectMany(image => definitions[image.Name].Sources.Where(source => image.Sources.Contains(source.Name)))
            .Select(source => source.Type)
            .ToHashSet(StringComparer.Ordinal);
        if (types.Contains("qemu"))
        {
            CheckFolder(problems, "base image cache", ImageCache.Default().Root, "KILN_CACHE", checkSpace: false);
            foreach (var tool in new[] { "qemu-system-x86_64", "qemu-img" })
            {
                try
                {
                    HostTool.Locate(tool);
                }
                catch (KilnException missing)
                {
                    problems.Add(missing);
                }
            }
        }

        return problems;
    }

    private static void CheckFolder(List<KilnException> problems, string what, string folder, string option, bool checkSpace = true)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".kiln-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            problems.Add(new KilnException($"the {what} '{folder}' cannot be written: {ex.Message}", $"choose a folder you can write with {option}, or fix its permissions"));
            return;
        }

        if (!checkSpace)
        {
            return;
        }

        var free = new DriveInfo(folder).AvailableFreeSpace;
        if (free < MinimumFreeBytes)
        {
            problems.Add(new KilnException(
                $"the {what} '{folder}' has only {ByteSize.Format(free)} free; a build needs at least {ByteSize.Format(MinimumFreeBytes)} there",
                $"free some space, or choose another folder with {option}"));
        }
    }
}
