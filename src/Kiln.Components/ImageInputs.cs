using Kiln.Diagnostics;
using Kiln.Images;
using Kiln.Targets;

namespace Kiln.Components;

/// <summary>
/// The command line's image options, checked before any work starts: a problem there is a usage error (exit code 2)
/// with what is wrong and how to fix it, never a VM booted only to fail on it.
/// </summary>
internal static class ImageInputs
{
    /// <summary>The templates folder and the image selection.</summary>
    public static void CheckOptions(ImageBuildSettings settings)
    {
        try
        {
            ImageSelection.From(KilnImages.Load(settings), settings);
        }
        catch (DefinitionException)
        {
            // A problem inside the definitions: ValidateImages reports each with its location.
        }
        catch (KilnException ex)
        {
            throw new UsageException(ex.Message, ex.Hint);
        }
    }

    /// <summary>What a build needs of this machine: writable folders with room, the host programs of its sources.</summary>
    public static void CheckHost(ImageBuildSettings settings)
    {
        var definitions = KilnImages.Load(settings);
        var problems = BuildPreflight.Check(settings, definitions, ImageSelection.From(definitions, settings));
        if (problems.Count > 0)
        {
            throw new UsageException(
                string.Join("\n", problems.Select(problem => problem.Message)),
                string.Join("\n", problems.Select(problem => problem.Hint).OfType<string>().Distinct()));
        }
    }
}
