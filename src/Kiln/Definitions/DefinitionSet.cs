using Kiln.Definitions.Yaml;
using Kiln.Diagnostics;
using Kiln.Model;
using Kiln.Secrets;

namespace Kiln.Definitions;

/// <summary>
/// The definitions of a repository with their variable values: validate them all, resolve one for a build,
/// or describe what a build would do. Secrets read so far are already in <see cref="Redactor"/>.
/// </summary>
public sealed class DefinitionSet
{
    private readonly IReadOnlyDictionary<string, Dictionary<string, Value>> _values;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly List<string> _warnings;

    internal DefinitionSet(
        IReadOnlyList<ImageDefinition> images,
        IReadOnlyDictionary<string, Dictionary<string, Value>> values,
        IReadOnlyDictionary<string, string> environment,
        IPluginTypes plugins,
        Redactor redactor,
        List<string> warnings)
    {
        Images = images;
        _values = values;
        _environment = environment;
        Plugins = plugins;
        Redactor = redactor;
        _warnings = warnings;
    }

    public IReadOnlyList<ImageDefinition> Images { get; }

    /// <summary>The plugin types these definitions were read and are bound with.</summary>
    public IPluginTypes Plugins { get; }

    /// <summary>Knows every sensitive value read or derived so far; hand it to the build's log and writers.</summary>
    public Redactor Redactor { get; }

    /// <summary>Things worth telling the user that do not stop a build (e.g. a secret too short to mask).</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_warnings)
            {
                return [.. _warnings];
            }
        }
    }

    public ImageDefinition this[string name] =>
        Images.FirstOrDefault(i => i.Name == name)
        ?? throw new KilnException($"there is no definition named '{name}'", Suggestions.Hint(name, [.. Images.Select(i => i.Name)], "definitions"));

    /// <summary>Every problem in every definition: dependencies, only/except names, references and plugin configs (build-time values as placeholders).</summary>
    public IReadOnlyList<KilnDiagnostic> Validate() => Validate(checkDependencies: true);

    internal IReadOnlyList<KilnDiagnostic> Validate(bool checkDependencies)
    {
        var diagnostics = new List<KilnDiagnostic>();
        if (checkDependencies)
        {
            CheckDependencies(diagnostics);
        }

        var scope = BuildScope.Symbolic with { Dependencies = DeclaredOutputs() };
        foreach (var image in Images)
        {
            CheckSourceNames(image, diagnostics);
            ResolveInto(image, scope, diagnostics);
        }

        return Redacted(diagnostics.Distinct());
    }

    /// <summary>
    /// What each image others depend on will output, as placeholder artifacts, for the images whose builders all
    /// declare their outputs and that have no publishers (which add outputs of their own).
    /// </summary>
    private Dictionary<string, IReadOnlyList<Artifact>> DeclaredOutputs()
    {
        var declared = new Dictionary<string, IReadOnlyList<Artifact>>(StringComparer.Ordinal);
        var dependedOn = Images.SelectMany(i => i.DependsOn).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var image in Images.Where(i => dependedOn.Contains(i.Name) && i.Publish.Count == 0))
        {
            // Its own problems are reported when it is validated itself.
            var resolved = ResolveInto(image, BuildScope.Symbolic, []);
            var artifacts = resolved?.Sources.Select(s => (s.Type, Keys: Plugins.DescribeSource(s).Outputs)).ToList();
            if (artifacts is not null && artifacts.All(a => a.Keys is not null))
            {
                declared[image.Name] = [.. artifacts.Select(a => new Artifact
                {
                    BuilderType = a.Type,
                    Id = $"<{image.Name}>",
                    Outputs = a.Keys!.Distinct().ToDictionary(k => k, k => $"<image.{image.Name}.artifact.{k}>", StringComparer.Ordinal),
                })];
            }
        }

        return declared;
    }

    /// <summary>Throws a <see cref="DefinitionException"/> with every problem <see cref="Validate()"/> finds.</summary>
    public void EnsureValid() => ThrowIfAny([.. Validate()], Redactor);

    /// <summary>One definition with every value resolved for a build; throws a <see cref="DefinitionException"/> when anything is wrong.</summary>
    public ResolvedImage Resolve(string imageName, BuildScope scope)
    {
        var image = this[imageName];
        var diagnostics = new List<KilnDiagnostic>();
        CheckSourceNames(image, diagnostics);
        var resolved = ResolveInto(image, scope, diagnostics);
        ThrowIfAny(diagnostics, Redactor);
        return resolved!;
    }

    /// <summary>Image names in build order: dependencies before the images that use them, limited to <paramref name="imageName"/> and what it needs.</summary>
    public IReadOnlyList<string> BuildOrder(string? imageName = null)
    {
        var diagnostics = new List<KilnDiagnostic>();
        CheckDependencies(diagnostics);
        ThrowIfAny(diagnostics, Redactor);
        var order = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);

        void Visit(ImageDefinition image)
        {
            if (!visited.Add(image.Name))
            {
                return;
            }

            foreach (var dependency in image.DependsOn)
            {
                Visit(this[dependency.Name]);
            }

            order.Add(image.Name);
        }

        foreach (var image in imageName is null ? Images : [this[imageName]])
        {
            Visit(image);
        }

        return order;
    }

    /// <summary>What building would do, with build-time values as placeholders and secrets masked.</summary>
    public BuildPlan Inspect(string? imageName = null)
    {
        EnsureValid();
        var images = new List<ImagePlan>();
        foreach (var name in imageName is null ? Images.Select(i => i.Name) : BuildOrder(imageName))
        {
            var resolved = Resolve(name, BuildScope.Symbolic);
            images.Add(PlanBuilder.Describe(this[name], resolved, Plugins, Redactor));
        }

        return new BuildPlan(images);
    }

    internal static void ThrowIfAny(List<KilnDiagnostic> diagnostics, IRedactor redactor)
    {
        if (diagnostics.Count > 0)
        {
            throw new DefinitionException(Redacted(diagnostics.Distinct(), redactor));
        }
    }

    private List<KilnDiagnostic> Redacted(IEnumerable<KilnDiagnostic> diagnostics) => Redacted(diagnostics, Redactor);

    /// <summary>A warning with its place, once however often the definitions are bound.</summary>
    private void Warn(KilnDiagnostic warning)
    {
        var text = $"{warning.Location}: warning: {warning.Message}" + (warning.Hint is null ? "" : $"\n  hint: {warning.Hint}");
        lock (_warnings)
        {
            if (!_warnings.Contains(text))
            {
                _warnings.Add(text);
            }
        }
    }

    /// <summary>Masked, and in reading order: by file, line and column (problems without a place first).</summary>
    private static List<KilnDiagnostic> Redacted(IEnumerable<KilnDiagnostic> diagnostics, IRedactor redactor) =>
        [.. diagnostics
            .OrderBy(d => d.Location?.File, StringComparer.Ordinal)
            .ThenBy(d => d.Location?.Line)
            .ThenBy(d => d.Location?.Column)
            .Select(d => d with { Message = redactor.Redact(d.Message), Hint = d.Hint is null ? null : redactor.Redact(d.Hint) })];

    private ResolvedImage? ResolveInto(ImageDefinition image, BuildScope scope, List<KilnDiagnostic> diagnostics)
    {
        var variables = _values[image.Name];
        var sources = new List<ResolvedSource>();
        var before = diagnostics.Count;
        foreach (var source in image.Sources)
        {
            var interpolator = new Interpolator(image, variables, _environment, scope, source.Name, Redactor.Add, diagnostics);
            interpolator.EvaluateAllLocals();
            var binder = new ConfigBinder(interpolator, diagnostics, Warn);
            var config = binder.Bind(source.Body, Plugins.SourceConfigTypes[source.Type], $"source '{source.Name}' ({source.Type})") as SourceConfig;
            var provisioners = BindProvisioners(image.Provision, source.Name, binder);
            var verify = BindProvisioners(image.Verify, source.Name, binder);
            var publish = new List<IReadOnlyList<ResolvedPlugin<PublisherConfig>>>();
            foreach (var chain in image.Publish)
            {
                var bound = new List<ResolvedPlugin<PublisherConfig>>();
                foreach (var entry in chain)
                {
                    if (binder.Bind(entry.Body, Plugins.PublisherConfigTypes[entry.Type], $"publisher '{entry.Type}'") is PublisherConfig publisherConfig
                        && Applies(publisherConfig.Only, publisherConfig.Except, source.Name))
                    {
                        bound.Add(new ResolvedPlugin<PublisherConfig>(entry.Type, publisherConfig, entry.Location));
                    }
                }

                if (bound.Count > 0)
                {
                    publish.Add(bound);
                }
            }

            if (config is not null)
            {
                var resolved = new ResolvedSource
                {
                    Name = source.Name,
                    Type = source.Type,
                    Config = config,
                    Location = source.Location,
                    Provisioners = provisioners,
                    Verify = verify,
                    Publish = publish,
                };
                CheckVerifyRuns(resolved, diagnostics);
                sources.Add(resolved);
            }
        }

        if (image.Sources.Count == 0)
        {
            // Locals are still checked when there is no source to resolve them for.
            new Interpolator(image, variables, _environment, scope, "", Redactor.Add, diagnostics).EvaluateAllLocals();
        }

        if (diagnostics.Count > before)
        {
            return null;
        }

        return new ResolvedImage
        {
            Name = image.Name,
            Description = image.Description,
            FilePath = image.FilePath,
            Location = image.Location,
            DependsOn = [.. image.DependsOn.Select(d => d.Name)],
            Sources = sources,
            Variables = variables.ToDictionary(v => v.Key, v => v.Value.ToText(), StringComparer.Ordinal),
            SensitiveVariables = image.Variables.Where(v => v.Sensitive).Select(v => v.Name).ToHashSet(StringComparer.Ordinal),
        };
    }

    private List<ResolvedPlugin<ProvisionerConfig>> BindProvisioners(IReadOnlyList<PluginEntry> entries, string source, ConfigBinder binder)
    {
        var bound = new List<ResolvedPlugin<ProvisionerConfig>>();
        foreach (var entry in entries)
        {
            if (binder.Bind(entry.Body, Plugins.ProvisionerConfigTypes[entry.Type], $"provisioner '{entry.Type}'") is ProvisionerConfig config
                && Applies(config.Only, config.Except, source))
            {
                bound.Add(new ResolvedPlugin<ProvisionerConfig>(entry.Type, config, entry.Location));
            }
        }

        return bound;
    }

    /// <summary>
    /// Checks a source would never run are refused now, not discovered missing after the build. Whether they run is
    /// read from the builder's own plan, so a builder that learns to verify lifts this by itself.
    /// </summary>
    private void CheckVerifyRuns(ResolvedSource source, List<KilnDiagnostic> diagnostics)
    {
        if (source.Verify.Count > 0 && !Plugins.DescribeSource(source).Steps.Any(s => s.Stage == Stage.Verify))
        {
            diagnostics.Add(new KilnDiagnostic(source.Verify[0].Location ?? source.Location,
                $"source '{source.Name}' ({source.Type}) would not run its {source.Verify.Count} verify check(s): it does not boot the captured image for checks",
                $"Keep the checks off this source with `except: [{source.Name}]` on each (or `only:` the others), or remove them; qemu runs them unless verify.enabled is false, docker runs them in a container."));
        }
    }

    private static bool Applies(IReadOnlyList<string> only, IReadOnlyList<string> except, string source) =>
        (only.Count == 0 || only.Contains(source)) && !except.Contains(source);

    private static void CheckSourceNames(ImageDefinition image, List<KilnDiagnostic> diagnostics)
    {
        var names = image.Sources.Select(s => s.Name).ToList();
        foreach (var entry in image.Provision.Concat(image.Verify).Concat(image.Publish.SelectMany(c => c)))
        {
            if (entry.Body is not YamlMap body)
            {
                continue;
            }

            foreach (var key in (string[])["only", "except"])
            {
                if (body[key] is not YamlList list)
                {
                    continue;
                }

                foreach (var item in list.Items.OfType<YamlScalar>().Where(i => !i.IsNull && !names.Contains(i.Value)))
                {
                    diagnostics.Add(new KilnDiagnostic(item.Location, $"'{key}' names source '{YamlReader.Shorten(item.Value)}', which '{image.Name}' does not have",
                        Suggestions.Hint(item.Value, names, "sources")));
                }
            }
        }
    }

    private void CheckDependencies(List<KilnDiagnostic> diagnostics)
    {
        var names = Images.Select(i => i.Name).ToList();
        foreach (var image in Images)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var dependency in image.DependsOn)
            {
                if (dependency.Name == image.Name)
                {
                    diagnostics.Add(new KilnDiagnostic(dependency.Location, $"'{image.Name}' depends on itself", "Remove it from depends_on."));
                }
                else if (!names.Contains(dependency.Name))
                {
                    diagnostics.Add(new KilnDiagnostic(dependency.Location, $"'{image.Name}' depends on '{YamlReader.Shorten(dependency.Name)}', but there is no definition with that name",
                        Suggestions.Hint(dependency.Name, names, "definitions")));
                }
                else if (!seen.Add(dependency.Name))
                {
                    diagnostics.Add(new KilnDiagnostic(dependency.Location, $"'{dependency.Name}' is listed twice in depends_on"));
                }
            }
        }

        // Depth-first search; a back edge closes a cycle, reported once at the dependency that closes it.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new List<string>();
        var byName = Images.ToDictionary(i => i.Name, StringComparer.Ordinal);

        void Visit(ImageDefinition image)
        {
            state[image.Name] = 1;
            stack.Add(image.Name);
            foreach (var dependency in image.DependsOn.Where(d => d.Name != image.Name && byName.ContainsKey(d.Name)))
            {
                var mark = state.GetValueOrDefault(dependency.Name);
                if (mark == 1)
                {
                    var cycle = stack.SkipWhile(n => n != dependency.Name).Append(dependency.Name);
                    diagnostics.Add(new KilnDiagnostic(dependency.Location, $"definitions depend on each other in a cycle: {string.Join(" -> ", cycle)}",
                        "Images are built after what they depend on, so a cycle can never be built; remove one of these depends_on entries."));
                }
                else if (mark == 0)
                {
                    Visit(byName[dependency.Name]);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[image.Name] = 2;
        }

        foreach (var image in Images.Where(i => !state.ContainsKey(i.Name)))
        {
            Visit(image);
        }
    }
}
