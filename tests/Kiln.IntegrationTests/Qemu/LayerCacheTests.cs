using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Layers;
using Kiln.Builders.Qemu.Steps;
using Kiln.Engine;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// The layer cache with real qcow2 chains made by qemu-img and qemu-io (no guest boots): resuming takes the longest
/// sound prefix and reads each step's bits through it; a truncated or altered layer is named in a warning, removed,
/// and the build takes the colder path; eviction is least recently used and never touches a layer in use.
/// </summary>
public sealed class LayerCacheTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-layer-cache-").FullName;
    private readonly TestLog _log = new();
    private readonly MemoryLedger _ledger = new();
    private readonly BuildContext _context;
    private readonly LayerStore _store;
    private readonly string _base;
    private readonly string[] _keys = [.. Enumerable.Range(1, 4).Select(Key)];

    public LayerCacheTests()
    {
        _context = TestBuild.Context(QemuTestEnvironment.Config(), type: "qemu", image: "cached", ledger: _ledger, log: _log, workDirectory: Path.Combine(_root, "work"));
        _store = new LayerStore(Path.Combine(_root, "layers"));
        _base = Path.Combine(_root, "base.qcow2");
        Run("qemu-img", "create", "-q", "-f", "qcow2", _base, "64M");
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_build_resumes_from_the_longest_cached_prefix_and_reads_every_steps_bits_through_it()
    {
        await CacheStepsAsync(3);

        var state = await ResumeAsync();

        Assert.Equal(3, state.ResumedSteps);
        Assert.Equal(_store.DiskOf(_keys[2]), state.BaseImagePath);
        Assert.Contains("resumed after step 3 of 4 (cached ", _log.Text, StringComparison.Ordinal);
        for (var step = 1; step <= 3; step++)
        {
            Run("qemu-io", "-r", "-f", "qcow2", "-c", Pattern("read", step), state.BaseImagePath!);
        }

        Assert.Empty(_ledger.Open);
    }

    [Fact]
    public async Task A_truncated_layer_is_named_removed_with_the_layers_on_it_and_the_build_resumes_before_it()
    {
        await CacheStepsAsync(3);
        var disk = _store.DiskOf(_keys[1]);
        using (var stream = new FileStream(disk, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var state = await ResumeAsync();

        Assert.Equal(1, state.ResumedSteps);
        Assert.Contains($"warn: cached layer {_keys[1][7..19]} (after step 2) is not usable: its disk is ", _log.Text, StringComparison.Ordinal);
        Assert.Contains("(truncated?)", _log.Text, StringComparison.Ordinal);
        Assert.Null(_store.Find(_keys[1]));
        Assert.Null(_store.Find(_keys[2]));
        Assert.NotNull(_store.Find(_keys[0]));
    }

    [Fact]
    public async Task A_layer_whose_digest_changed_is_not_used()
    {
        await CacheStepsAsync(3);
        using (var stream = new FileStream(_store.DiskOf(_keys[2]), FileMode.Open))
        {
            stream.Seek(-1, SeekOrigin.End);
            var last = stream.ReadByte();
            stream.Seek(-1, SeekOrigin.End);
            stream.WriteByte((byte)(last ^ 0xff));
        }

        var state = await ResumeAsync();

        Assert.Equal(2, state.ResumedSteps);
        Assert.Contains($"warn: cached layer {_keys[2][7..19]} (after step 3) is not usable: its disk's sha256 is ", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_layer_whose_base_is_gone_is_not_used()
    {
        await CacheStepsAsync(1);
        File.Move(_base, _base + ".moved");
        Run("qemu-img", "create", "-q", "-f", "qcow2", _base + ".other", "64M");

        var state = await ResumeAsync(baseImage: _base + ".other");

        Assert.Equal(0, state.ResumedSteps);
        Assert.Contains("is not usable: it is on top of", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cache_that_cannot_be_locked_means_a_cold_start_with_a_warning()
    {
        await CacheStepsAsync(2);
        Directory.CreateDirectory(Path.Combine(_store.Root, _keys[0][7..] + ".lock")); // a lock file that cannot be opened

        var state = await ResumeAsync();

        Assert.Equal(0, state.ResumedSteps);
        Assert.Contains($"warn: cannot lock the layer cache at {_store.Root}; provisioning starts from step 1", _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cache_that_cannot_be_written_fails_the_add_and_leaves_no_partial_layer()
    {
        File.WriteAllText(Path.Combine(_root, "not-a-directory"), "");
        var store = new LayerStore(Path.Combine(_root, "not-a-directory", "layers"));
        var disk = Step(_base, 1);

        await Assert.ThrowsAnyAsync<IOException>(() => AddAsync(store, _keys[0], new LayerParent(null, _base, "qcow2"), 1, 4, disk));

        Assert.Empty(_ledger.Open);
    }

    [Fact]
    public async Task Of_two_builds_sealing_the_same_layer_the_first_wins_and_the_second_leaves_nothing()
    {
        var disk = Step(_base, 1);
        var parent = new LayerParent(null, _base, "qcow2");

        Assert.True(await AddAsync(_store, _keys[0], parent, 1, 4, disk));
        Assert.False(await AddAsync(_store, _keys[0], parent, 1, 4, disk));

        Assert.Single(_store.All());
        Assert.Empty(Directory.EnumerateDirectories(_store.Root, ".partial-*"));
        Assert.Empty(_ledger.Open);
    }

    [Fact]
    public async Task Eviction_removes_the_least_recently_used_layers_with_those_on_top_and_never_a_layer_in_use()
    {
        await CacheStepsAsync(2);
        var other = Key(9);
        Assert.True(await AddAsync(_store, other, new LayerParent(null, _base, "qcow2"), 1, 1, Step(_base, 9)));
        File.SetLastWriteTimeUtc(Path.Combine(_store.DirectoryOf(other), "used"), DateTime.UtcNow.AddHours(-2));
        File.SetLastWriteTimeUtc(Path.Combine(_store.DirectoryOf(_keys[0]), "used"), DateTime.UtcNow.AddHours(-1));
        var oneLayer = new FileInfo(_store.DiskOf(other)).Length + 1024;

        using (_store.TryLockShared(other))
        {
            var evicted = _store.Evict(oneLayer);

            Assert.Equal([_keys[0]], evicted);
            Assert.NotNull(_store.Find(other));
            Assert.Null(_store.Find(_keys[0]));
            Assert.Null(_store.Find(_keys[1]));
        }

        Assert.Equal([other], _store.Evict(0));
        Assert.Empty(_store.All());
    }

    [Fact]
    public async Task InspectImages_says_where_a_build_of_a_definition_would_resume()
    {
        var templates = Directory.CreateDirectory(Path.Combine(_root, "templates")).FullName;
        await File.WriteAllTextAsync(Path.Combine(templates, "web.kiln.yaml"), $$"""
            name: web
            sources:
              local: { type: qemu, base: { image: {{_base}} } }
            provision:
              - shell: { inline: ["echo one"] }
              - shell: { inline: ["echo two"] }
              - shell-local: { inline: ["echo on the host"] }
            """, Token);
        var settings = new Kiln.Images.ImageBuildSettings
        {
            WorkingDirectory = _root,
            Templates = "templates",
            Environment = new Dictionary<string, string>(),
            Catalog = Kiln.Plugins.PluginCatalog.Default.With(builders: [new QemuBuilder(QemuTestEnvironment.CacheDirectory, _store.Root)]),
        };
        Assert.Contains("web.local: no cached layers; steps 1-2 of 3 would be cached", Kiln.Images.KilnImages.Inspect(settings), StringComparison.Ordinal);

        var definitions = Kiln.Images.KilnImages.Load(settings);
        var image = definitions.Resolve("web", Kiln.Images.BuildFingerprint.Scope);
        var keys = Kiln.Images.ProvisionLayerKeys.Compute(image, image.Sources[0], settings.Catalog, definitions.Redactor, [])!.Keys;
        Assert.True(await AddAsync(_store, keys[0]!, new LayerParent(null, _base, "qcow2"), 1, 3, Step(_base, 1)));

        Assert.Contains("web.local: would resume after step 1 of 3 (cached ", Kiln.Images.KilnImages.Inspect(settings), StringComparison.Ordinal);
        Assert.Equal(1, Kiln.Images.KilnImages.ClearLayers(settings));
        Assert.Empty(_store.All());
    }

    /// <summary>Caches layers 1..count as a build would: each step writes its own pattern at its own offset.</summary>
    private async Task CacheStepsAsync(int count)
    {
        var backing = _base;
        var parent = new LayerParent(null, _base, "qcow2");
        for (var step = 1; step <= count; step++)
        {
            var disk = Step(backing, step);
            Assert.True(await AddAsync(_store, _keys[step - 1], parent, step, _keys.Length, disk));
            parent = new LayerParent(_keys[step - 1], _store.DiskOf(_keys[step - 1]), "qcow2");
            backing = disk;
        }
    }

    private async Task<QemuBuildState> ResumeAsync(string? baseImage = null)
    {
        var state = new QemuBuildState(_context with { Layers = new ProvisionLayers(_keys) }, QemuTestEnvironment.Config())
        {
            BaseImagePath = baseImage ?? _base,
            BaseImageFormat = "qcow2",
        };
        var step = new ResumeFromLayerStep(_store);
        await step.RunAsync(state, Token);
        await step.CleanupAsync(state, Token);
        return state;
    }

    /// <summary>Adds <paramref name="disk"/> as the sealer does: read through a stream opened on it.</summary>
    private async Task<bool> AddAsync(LayerStore store, string key, LayerParent parent, int step, int steps, string disk)
    {
        await using var source = File.OpenRead(disk);
        return await store.AddAsync(_context, key, parent, step, steps, source, Token) is not null;
    }

    /// <summary>A work-directory overlay on <paramref name="backing"/> holding one step's change, as sealing leaves it.</summary>
    private string Step(string backing, int step)
    {
        var disk = Path.Combine(_root, string.Create(CultureInfo.InvariantCulture, $"step-{step}-{Guid.NewGuid():N}.qcow2"));
        Run("qemu-img", "create", "-q", "-f", "qcow2", "-b", backing, "-F", "qcow2", disk);
        Run("qemu-io", "-f", "qcow2", "-c", Pattern("write", step), disk);
        return disk;
    }

    private static string Pattern(string verb, int step) => string.Create(CultureInfo.InvariantCulture, $"{verb} -P {step} {step}M 1M");

    private static string Key(int step) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"layer {step}")));

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0 && !output.Contains("Pattern verification failed", StringComparison.Ordinal), $"{program} {string.Join(' ', arguments)}: {output}");
    }
}
