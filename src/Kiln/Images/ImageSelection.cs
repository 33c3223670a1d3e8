using Kiln.Definitions;
using Kiln.Diagnostics;

namespace Kiln.Images;

/// <summary>
/// Which images and sources a run builds: the images asked for (all when none are named) plus every image they
/// depend on, in dependency order; sources filtered by only/except. Dependencies are built whole, since their
/// dependents may read any of their outputs.
/// </summary>
public sealed record ImageSelection(IReadOnlyList<SelectedImage> Images)
{
    public static ImageSelection From(DefinitionSet definitions, ImageBuildSettings settings)
    {
        var names = definitions.Images.Select(i => i.Name).ToList();
        foreach (var pattern in settings.Images.Where(p => !names.Any(n => NameFilter.Matches(n, p))))
        {
            throw new KilnException($"no definition matches --image '{pattern}'", $"definitions: {string.Join(", ", names)}");
        }

        var requested = names.Where(n => settings.Images.Count == 0 || NameFilter.MatchesAny(n, settings.Images)).ToHashSet(StringComparer.Ordinal);
        var order = requested.SelectMany(n => definitions.BuildOrder(n)).Distinct(StringComparer.Ordinal).ToList();
        var ordered = definitions.BuildOrder().Where(order.Contains).ToList();

        var images = new List<SelectedImage>();
        foreach (var name in ordered)
        {
            var definition = definitions[name];
            var sources = definition.Sources.Select(s => s.Name).ToList();
            if (requested.Contains(name))
            {
                sources = [.. sources.Where(s =>
                    (settings.Only.Count == 0 || NameFilter.MatchesAny(s, settings.Only)) && !NameFilter.MatchesAny(s, settings.Except))];
            }

            images.Add(new SelectedImage(name, [.. definition.DependsOn.Select(d => d.Name)], sources, IsDependencyOnly: !requested.Contains(name)));
        }

        if (images.All(i => i.Sources.Count == 0))
        {
            throw new KilnException("--only/--except left no source to build",
                $"sources: {string.Join(", ", definitions.Images.SelectMany(i => i.Sources.Select(s => $"{i.Name}.{s.Name}")))}");
        }

        return new ImageSelection(images);
    }
}

/// <summary>An image of the run: its sources to build, and whether it is here only because another image needs it.</summary>
public sealed record SelectedImage(string Name, IReadOnlyList<string> DependsOn, IReadOnlyList<string> Sources, bool IsDependencyOnly);
