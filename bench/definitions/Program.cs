using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Kiln.Builders;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Provisioners;
using Kiln.Publishers;

// Writes N chained definitions (each depends on the previous one, uses variables, locals, a sensitive value,
// three sources and a few provisioners and publishers), then times Load + Validate from disk, cold and warm.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var directory = Directory.CreateTempSubdirectory("kiln-bench-").FullName;
try
{
    for (var i = 0; i < count; i++)
    {
        File.WriteAllText(Path.Combine(directory, $"image{i}.kiln.yaml"), Definition(i));
    }

    var catalog = PluginCatalog.FromAssemblies().With(
        builders: [new BenchBuilder()],
        provisioners: [new BenchProvisioner()],
        publishers: [new BenchPublisher()]);
    var inputs = new VariableInputs { Vars = ["token=bench-secret-value"], Environment = new Dictionary<string, string>() };

    for (var run = 1; run <= 5; run++)
    {
        // Wall time on a shared machine includes waiting for a core; this thread's CPU time does not.
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var set = DefinitionLoader.Load(directory, inputs, catalog);
        var loaded = watch.Elapsed;
        var problems = set.Validate();
        var total = watch.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        if (problems.Count > 0)
        {
            Console.Error.WriteLine(string.Join("\n", problems));
            return 1;
        }

        Console.WriteLine($"run {run}: {count} definitions loaded in {loaded.TotalMilliseconds:F0} ms, validated in {(total - loaded).TotalMilliseconds:F0} ms, total {total.TotalMilliseconds:F0} ms wall, {cpu.TotalMilliseconds:F0} ms CPU{(run == 1 ? " (cold: includes JIT)" : "")}");
    }

    // The redactor runs on every log line: 50 secrets (each with its encoded shapes), 200,000 lines of build output.
    var redactor = new Kiln.Secrets.Redactor();
    for (var i = 0; i < 50; i++)
    {
        redactor.Add($"secret-{i:D2}-{Guid.NewGuid():N}");
    }

    var lines = Enumerable.Range(0, 200_000).Select(i => $"[{i}] Setting up nginx-common (1.22.1-9) ... unpacking /var/cache/apt/archives/pkg{i}.deb").ToList();
    _ = redactor.Redact(lines[0]);
    var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    var redactWatch = Stopwatch.StartNew();
    var masked = 0;
    foreach (var line in lines)
    {
        masked += redactor.Redact(line).Length;
    }

    var redactCpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
    Console.WriteLine($"redactor: {lines.Count} lines against 50 secrets in {redactWatch.Elapsed.TotalMilliseconds:F0} ms wall, {redactCpu.TotalMilliseconds:F0} ms CPU ({masked} chars out)");
    return 0;
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static string Definition(int i) => $$$"""
    name: image{{{i}}}
    description: benchmark image {{{i}}}
    {{{(i > 0 ? $"depends_on: [image{i - 1}]" : "")}}}
    variables:
      version: { default: "1.{{{i}}}.0", validation: { pattern: "[0-9.]+" } }
      cpus: { type: number, default: 2, validation: { min: 1, max: 16 } }
      token: { sensitive: true }
      tags: { type: list, default: [web, bench] }
    locals:
      name: "image{{{i}}}-{{ var.version }}-{{ timestamp }}"
      lowered: "{{ lower(local.name) }}"
    sources:
      local: { type: bench, cpus: "{{ var.cpus }}", disk: "{{{(i > 0 ? $"{{{{ image.image{i - 1}.artifact.disk }}}}" : "base.qcow2")}}}", timeout: 10m, tags: "{{ var.tags }}" }
      second: { type: bench, cpus: 4, disk: "{{ local.lowered }}.qcow2" }
      third: { type: bench, disk: "{{ build.output }}/x.qcow2", mode: fast }
    provision:
      - run: { inline: ["apt-get install -y nginx", "echo {{ build.name }}"], env: { TOKEN: "{{ var.token }}" } }
      - run: { inline: ["echo local"], only: [local] }
      - run: { inline: ["echo others"], except: [local], max_retries: 2 }
    verify:
      - run: { inline: ["systemctl is-active nginx"] }
    publish:
      - manifest: { path: "{{ local.name }}.json" }
      - [manifest: {}, manifest: { path: x }]
    """;

public enum BenchMode
{
    Fast,
    Thorough,
}

public sealed class BenchConfig : SourceConfig
{
    [Description("CPUs.")]
    public int Cpus { get; init; } = 2;

    public required string Disk { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public IReadOnlyList<string> Tags { get; init; } = [];

    public BenchMode Mode { get; init; } = BenchMode.Thorough;
}

public sealed class BenchState(BuildContext context) : BuildState(context);

public sealed class BenchBuilder : Builder<BenchConfig, BenchState>
{
    public override string Type => "bench";

    protected override IEnumerable<IStep<BenchState>> CreateSteps(BenchConfig config, ResolvedSource source) => [];

    protected override BenchState CreateState(BenchConfig config, BuildContext context) => new(context);
}

public sealed class BenchRunConfig : ProvisionerConfig
{
    public IReadOnlyList<string> Inline { get; init; } = [];

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();
}

public sealed class BenchProvisioner : Provisioner<BenchRunConfig>
{
    public override string Type => "run";

    protected override Task RunAsync(BenchRunConfig config, BuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class BenchManifestConfig : PublisherConfig
{
    public string Path { get; init; } = "manifest.json";
}

public sealed class BenchPublisher : Publisher<BenchManifestConfig>
{
    public override string Type => "manifest";

    protected override Task<IReadOnlyList<Artifact>> PublishAsync(BenchManifestConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken) =>
        Task.FromResult(inputs);
}
