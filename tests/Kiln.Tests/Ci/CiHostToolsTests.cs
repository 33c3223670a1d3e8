using Kiln.Components.Ci;
using Kiln.Definitions;
using Kiln.Images;
using Kiln.Plugins;
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
            """);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Every_tool_a_GitHub_matrix_entry_needs_is_installed_by_an_earlier_step_of_its_job()
    {
        var definitions = DefinitionLoader.Load(Templates, new VariableInputs { Environment = new Dictionary<string, string>() }, PluginCatalog.Default);
        var plan = CiPlan.Load(new ImageBuildSettings { Templates = Templates, Environment = new Dictionary<string, string>() }, _root);
        var jobs = (YamlMappingNode)Load(GitHubWorkflowWriter.Write(plan, "./build.sh GenerateCi"))["jobs"];
        var checkedEntries = 0;
        var checkedPackages = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (_, jobNode) in jobs.Children)
        {
            var job = (YamlMappingNode)jobNode;
            if (!job.Children.TryGetValue("strategy", out var strategy))
            {
                continue;
            }

            var steps = ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>().ToList();
            var buildStep = steps.FindIndex(s => Run(s).Contains("BuildImages", StringComparison.Ordinal));
            Assert.True(buildStep > 0);
            foreach (var entry in ((YamlSequenceNode)strategy["matrix"]["include"]).Children.Cast<YamlMappingNode>())
            {
                var source = definitions.Resolve(entry["image"].ToString(), BuildScope.Symbolic).Sources.Single(s => s.Name == entry["source"].ToString());
                var needed = HostRequirements.For(source, PluginCatalog.Default);
                var installed = steps.Take(buildStep)
                    .Where(step => !step.Children.TryGetValue("if", out var condition) || Holds(condition.ToString(), entry))
                    .SelectMany(step => InstalledPackages(Run(step), entry))
                    .ToHashSet(StringComparer.Ordinal);
                foreach (var requirement in needed)
                {
                    Assert.True(installed.Contains(requirement.Package), $"{entry["image"]}/{entry["source"]} needs {requirement} but its job installs only: {string.Join(' ', installed)}");
                    checkedPackages.Add(requirement.Package);
                }

                checkedEntries++;
            }
        }

        Assert.Equal(3, checkedEntries);
        // Not vacuous: the qemu bootstrap and the ansible provisioner declared what they run.
        Assert.Superset(new HashSet<string> { "qemu-system-x86", "qemu-utils", "mmdebstrap", "ansible-core", "debian-archive-keyring" }, checkedPackages);
    }

    [Fact]
    public void Waves_with_QEMU_builds_enable_KVM_where_offered_and_container_builds_install_nothing()
    {
        var plan = CiPlan.Load(new ImageBuildSettings { Templates = Templates, Environment = new Dictionary<string, string>() }, _root);
        var text = GitHubWorkflowWriter.Write(plan, "./build.sh GenerateCi");

        Assert.Contains("- { image: box, source: container, packages: '' }", text, StringComparison.Ordinal);
        Assert.Contains("KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0666\", OPTIONS+=\"static_node=kvm\"", text, StringComparison.Ordinal);
        Assert.Contains("if [ -e /dev/kvm ]", text, StringComparison.Ordinal);
        var azure = AzurePipelineWriter.Write(plan, "./build.sh GenerateCi");
        Assert.Contains("apt-get install -y --no-install-recommends $(packages)", azure, StringComparison.Ordinal);
        Assert.Contains("packages: 'ansible-core debian-archive-keyring e2fsprogs grub-pc-bin mmdebstrap openssh-client qemu-system-x86 qemu-utils'", azure, StringComparison.Ordinal);
    }

    /// <summary>The packages an apt-get install line installs for this matrix entry.</summary>
    private static IEnumerable<string> InstalledPackages(string run, YamlMappingNode entry)
    {
        var expanded = run.Replace("${{ matrix.packages }}", entry["packages"].ToString(), StringComparison.Ordinal);
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

    /// <summary>The only step condition the writer uses on install steps: matrix.packages != ''.</summary>
    private static bool Holds(string condition, YamlMappingNode entry) => condition switch
    {
        "matrix.packages != ''" => entry["packages"].ToString().Length > 0,
        _ => true,
    };

    private static string Run(YamlMappingNode step) => step.Children.TryGetValue("run", out var run) ? run.ToString() : "";

    private static YamlMappingNode Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
