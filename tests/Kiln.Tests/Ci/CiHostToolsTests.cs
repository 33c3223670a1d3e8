using Kiln.Components.Ci;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Images;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Publishers;
using YamlDotNet.RepresentationModel;

namespace Kiln.Tests.Ci;

/// <summary>
/// Hosted runners have none of the host tools image builds run: every tool a matrix entry's build needs (as its
/// plugins declare it) is installed by a step of that job before the step that builds.
/// </summary>
public sealed class CiHostToolsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-ci-tools-").FullName;

    private string Templates => Path.Combine(_root, "templates");

    public CiHostToolsTests()
    {
        Directory.CreateDirectory(Templates);
        File.WriteAllText(Path.Combine(Templates, "base.kiln.yaml"), """
            name: base
            sources:
              local: { type: qemu, base: { bootstrap: { suite: bookworm } } }
            provision:
              - ansible: { playbook_file: site.yml }
            """);
        File.WriteAllText(Path.Combine(Templates, "site.yml"), "- hosts: all\n  tasks: []\n");
        File.WriteAllText(Path.Combine(Templates, "web.kiln.yaml"), """
            name: web
            depends_on: [base]
            sources:
              local: { type: qemu, base: { image: "{{ image.base.artifact.qcow2 }}" } }
            """);
        File.WriteAllText(Path.Combine(Templates, "box.kiln.yaml"), """
            name: box
            sources:
              container: { type: docker, image: "debian:bookworm" }
            publish:
              - sign: {}
            """);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A publisher that runs a host tool, so that the final job has something to install.</summary>
    internal sealed class SignConfig : PublisherConfig;

    internal sealed class SignPublisher : Publisher<SignConfig>, IDeclaresHostRequirements
    {
        public override string Type => "sign";

        public IEnumerable<HostRequirement> HostRequirements(object config) => [new HostRequirement("gpg", "gpg")];

        protected override Task<IReadOnlyList<Artifact>> PublishAsync(SignConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken) =>
            Task.FromResult(inputs);
    }

    private static readonly PluginCatalog Catalog = PluginCatalog.Default.With(publishers: [new SignPublisher()]);

    private DefinitionSet Definitions => DefinitionLoader.Load(Templates, new VariableInputs { Environment = new Dictionary<string, string>() }, Catalog);

    private CiPlan Plan => CiPlan.Load(new ImageBuildSettings { Templates = Templates, Environment = new Dictionary<string, string>(), Catalog = Catalog }, _root);

    [Fact]
    public void Every_tool_a_GitHub_matrix_entry_needs_is_installed_by_an_earlier_step_of_its_job()
    {
        var jobs = ((YamlMappingNode)Load(GitHubWorkflowWriter.Write(Plan, "./build.sh GenerateCi"))["jobs"]).Children
            .Select(j => (Job: (YamlMappingNode)j.Value, Entries: j.Value is YamlMappingNode m && m.Children.TryGetValue("strategy", out var strategy)
                ? ((YamlSequenceNode)strategy["matrix"]["include"]).Children.Cast<YamlMappingNode>().ToList()
                : null));
        var checkedPackages = CheckMatrixJobs(jobs.Where(j => j.Entries is not null).Select(j => (Steps(j.Job), j.Entries!)), GitHub);

        // Not vacuous: the qemu bootstrap and the ansible provisioner declared what they run.
        Assert.Superset(new HashSet<string> { "qemu-system-x86", "qemu-utils", "mmdebstrap", "ansible-core", "debian-archive-keyring" }, checkedPackages);
    }

    [Fact]
    public void Every_tool_an_Azure_matrix_entry_needs_is_installed_by_an_earlier_step_of_its_job()
    {
        var jobs = ((YamlSequenceNode)Load(AzurePipelineWriter.Write(Plan, "./build.sh GenerateCi"))["jobs"]).Children.Cast<YamlMappingNode>()
            .Where(j => j.Children.ContainsKey("strategy"))
            .Select(j => (Steps(j), ((YamlMappingNode)j["strategy"]["matrix"]).Children.Select(e => (YamlMappingNode)e.Value).ToList()));
        var checkedPackages = CheckMatrixJobs(jobs, Azure);

        Assert.Superset(new HashSet<string> { "qemu-system-x86", "qemu-utils", "mmdebstrap", "ansible-core", "debian-archive-keyring" }, checkedPackages);
    }

    [Fact]
    public void The_final_jobs_install_every_tool_the_publishers_need_before_they_publish()
    {
        var github = Steps((YamlMappingNode)Load(GitHubWorkflowWriter.Write(Plan, "./build.sh GenerateCi"))["jobs"]["publish"]);
        var azure = Steps(((YamlSequenceNode)Load(AzurePipelineWriter.Write(Plan, "./build.sh GenerateCi"))["jobs"]).Children.Cast<YamlMappingNode>()
            .Single(j => j["job"].ToString() == "publish"));
        var definitions = Definitions;
        var needed = definitions.Images
            .SelectMany(image => image.Sources.Select(source => definitions.Resolve(image.Name, BuildScope.Symbolic).Sources.Single(s => s.Name == source.Name)))
            .SelectMany(source => HostRequirements.ForPublishers(source, Catalog))
            .Select(r => r.Package)
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(["gpg"], needed); // not vacuous: the sign publisher declared its tool

        foreach (var (steps, dialect) in new[] { (github, GitHub), (azure, Azure) })
        {
            var publish = steps.FindIndex(s => dialect.Command(s).Contains("PublishBuilt", StringComparison.Ordinal));
            Assert.True(publish > 0, "the final job runs PublishBuilt");
            Assert.DoesNotContain(steps, s => dialect.Command(s).Contains("BuildImages", StringComparison.Ordinal));
            var installed = steps.Take(publish).SelectMany(s => InstalledPackages(dialect.Command(s), new Dictionary<string, string>())).ToHashSet(StringComparer.Ordinal);
            Assert.Superset(needed, installed);
        }
    }

    /// <summary>For each matrix entry: the packages its build needs are installed by steps before the step that builds.</summary>
    private HashSet<string> CheckMatrixJobs(IEnumerable<(List<YamlMappingNode> Steps, List<YamlMappingNode> Entries)> jobs, Dialect dialect)
    {
        var definitions = Definitions;
        var checkedEntries = 0;
        var checkedPackages = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (steps, entries) in jobs)
        {
            var buildStep = steps.FindIndex(s => dialect.Command(s).Contains("BuildImages", StringComparison.Ordinal));
            Assert.True(buildStep > 0);
            foreach (var entry in entries)
            {
                var variables = entry.Children.ToDictionary(e => e.Key.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
                var source = definitions.Resolve(variables["image"], BuildScope.Symbolic).Sources.Single(s => s.Name == variables["source"]);
                var installed = steps.Take(buildStep)
                    .Where(step => dialect.Runs(step, variables))
                    .SelectMany(step => InstalledPackages(dialect.Command(step), variables))
                    .ToHashSet(StringComparer.Ordinal);
                foreach (var requirement in HostRequirements.ForBuilding(source, Catalog))
                {
                    Assert.True(installed.Contains(requirement.Package), $"{variables["image"]}/{variables["source"]} needs {requirement} but its job installs only: {string.Join(' ', installed)}");
                    checkedPackages.Add(requirement.Package);
                }

                checkedEntries++;
            }
        }

        Assert.Equal(3, checkedEntries);
        return checkedPackages;
    }

    /// <summary>How a CI system writes a step's command, its matrix values and the step conditions the writers use.</summary>
    private sealed record Dialect(string CommandKey, Func<string, string> Variable, Func<string, IReadOnlyDictionary<string, string>, bool> Holds)
    {
        public string Command(YamlMappingNode step) => step.Children.TryGetValue(CommandKey, out var run) ? run.ToString() : "";

        public bool Runs(YamlMappingNode step, IReadOnlyDictionary<string, string> variables) =>
            !step.Children.TryGetValue(CommandKey == "run" ? "if" : "condition", out var condition) || Holds(condition.ToString(), variables);
    }

    private static readonly Dialect GitHub = new("run", name => $"${{{{ matrix.{name} }}}}", (condition, variables) => condition switch
    {
        "matrix.packages != ''" => variables["packages"].Length > 0,
        _ => true,
    });

    private static readonly Dialect Azure = new("script", name => $"$({name})", (condition, variables) => condition switch
    {
        "and(succeeded(), ne(variables['packages'], ''))" => variables["packages"].Length > 0,
        _ => true,
    });

    [Fact]
    public void Waves_with_QEMU_builds_enable_KVM_where_offered_and_container_builds_install_nothing()
    {
        var plan = Plan;
        var text = GitHubWorkflowWriter.Write(plan, "./build.sh GenerateCi");

        Assert.Contains("- { image: box, source: container, packages: '' }", text, StringComparison.Ordinal);
        Assert.Contains("KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0666\", OPTIONS+=\"static_node=kvm\"", text, StringComparison.Ordinal);
        Assert.Contains("if [ -e /dev/kvm ]", text, StringComparison.Ordinal);
        var azure = AzurePipelineWriter.Write(plan, "./build.sh GenerateCi");
        Assert.Contains("apt-get install -y --no-install-recommends $(packages)", azure, StringComparison.Ordinal);
        Assert.Contains("packages: 'ansible-core debian-archive-keyring e2fsprogs grub-pc-bin mmdebstrap openssh-client qemu-system-x86 qemu-utils'", azure, StringComparison.Ordinal);
        // Azure's Microsoft-hosted Ubuntu agents get the same udev rule; the container-only wave needs no KVM.
        Assert.Contains("KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0666\", OPTIONS+=\"static_node=kvm\"", azure, StringComparison.Ordinal);
        Assert.Contains("displayName: Enable KVM where the agent offers it", azure, StringComparison.Ordinal);
        // The image jobs do not publish, so the publisher's gpg is the final job's alone.
        Assert.Contains("- { image: box, source: container, packages: '' }", text, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y --no-install-recommends gpg", text, StringComparison.Ordinal);
    }

    /// <summary>The packages an apt-get install line installs for this matrix entry (both CI systems' variable syntax expanded).</summary>
    private static IEnumerable<string> InstalledPackages(string run, IReadOnlyDictionary<string, string> variables)
    {
        var expanded = variables.Aggregate(run, (text, v) => text
            .Replace(GitHub.Variable(v.Key), v.Value, StringComparison.Ordinal)
            .Replace(Azure.Variable(v.Key), v.Value, StringComparison.Ordinal));
        foreach (var command in expanded.Split(["&&", "\n", ";"], StringSplitOptions.RemoveEmptyEntries))
        {
            var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            var install = words.IndexOf("install");
            if (install > 0 && words[install - 1] == "apt-get")
            {
                foreach (var word in words.Skip(install + 1).Where(w => !w.StartsWith('-')))
                {
                    yield return word;
                }
            }
        }
    }

    private static List<YamlMappingNode> Steps(YamlMappingNode job) => [.. ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>()];

    private static YamlMappingNode Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
