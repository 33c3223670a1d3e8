using Kiln.Images;
using Kiln.Engine;

namespace Kiln.Tests.Images;

/// <summary>
/// Provisioning layer keys through the real loader: each kind of input invalidates the layers from the first step
/// that uses it, and keeps the ones before.
/// </summary>
public sealed class LayerKeyTests : IDisposable
{
    private readonly ImageRepository _repo = new();

    public LayerKeyTests()
    {
        _repo.Write("templates/base.qcow2", "a base image");
        _repo.Write("templates/scripts/two.sh", "echo two\n");
        _repo.Write("templates/files/motd", "welcome\n");
        _repo.Write("templates/web.kiln.yaml", """
            name: web
            variables:
              greeting: { type: string, default: hello }
              token: { type: string, sensitive: true, default: first-secret }
              disk: { type: string, default: 8G }
              formats: { type: string, default: qcow2 }
            sources:
              local:
                type: qemu
                base: { image: base.qcow2 }
                disk_size: "{{ var.disk }}"
                formats: ["{{ var.formats }}"]
            provision:
              - shell: { inline: ["echo one {{ timestamp }}"] }
              - shell: { script: scripts/two.sh }
              - file: { source: files/motd, destination: /etc/motd }
              - shell: { inline: ["echo {{ var.greeting }}"] }
              - shell: { inline: ["echo five"], env: { TOKEN: "{{ var.token }}" } }
              - shell: { inline: ["echo six"] }
            """);
    }

    private IReadOnlyList<string?> Keys(params string[] vars)
    {
        var settings = _repo.Settings() with { Vars = vars };
        var set = KilnImages.Load(settings);
        var image = set.Resolve("web", BuildFingerprint.Scope);
        return ProvisionLayerKeys.Compute(image, image.Sources[0], settings.Catalog, set.Redactor, [])!.Keys;
    }

    /// <summary>The 1-based step from which <paramref name="after"/> differs from <paramref name="before"/>; 0 when equal.</summary>
    private static int FirstChanged(IReadOnlyList<string?> before, IReadOnlyList<string?> after)
    {
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            if (before[i] != after[i])
            {
                Assert.All(Enumerable.Range(i, before.Count - i), j => Assert.NotEqual(before[j], after[j]));
                return i + 1;
            }
        }

        return 0;
    }

    [Fact]
    public void Every_step_has_a_distinct_key_and_time_values_do_not_count()
    {
        var keys = Keys();
        Assert.Equal(6, keys.Count);
        Assert.Equal(6, keys.Distinct().Count());
        Assert.All(keys, k => Assert.StartsWith("sha256:", k, StringComparison.Ordinal));
        Assert.Equal(0, FirstChanged(keys, Keys()));
    }

    [Fact]
    public void A_script_file_invalidates_from_its_step()
    {
        var before = Keys();
        _repo.Write("templates/scripts/two.sh", "echo 2\n");
        Assert.Equal(2, FirstChanged(before, Keys()));
    }

    [Fact]
    public void A_file_steps_source_invalidates_from_its_step()
    {
        var before = Keys();
        _repo.Write("templates/files/motd", "welcome back\n");
        Assert.Equal(3, FirstChanged(before, Keys()));
    }

    [Fact]
    public void A_variable_invalidates_from_the_first_step_using_it() =>
        Assert.Equal(4, FirstChanged(Keys(), Keys("greeting=bonjour")));

    [Fact]
    public void A_secret_invalidates_from_the_first_step_using_it_and_never_shows()
    {
        var before = Keys();
        var after = Keys("token=second-secret");
        Assert.Equal(5, FirstChanged(before, after));
        Assert.DoesNotContain(after, k => k!.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Inline_text_invalidates_from_its_step()
    {
        var before = Keys();
        var path = Path.Combine(_repo.Root, "templates/web.kiln.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("echo six", "echo 6", StringComparison.Ordinal));
        Assert.Equal(6, FirstChanged(before, Keys()));
    }

    [Fact]
    public void The_base_image_invalidates_every_layer()
    {
        var before = Keys();
        _repo.Write("templates/base.qcow2", "another base image");
        Assert.Equal(1, FirstChanged(before, Keys()));
    }

    [Fact]
    public void A_setting_that_shapes_the_disk_invalidates_every_layer_and_an_output_setting_none()
    {
        Assert.Equal(1, FirstChanged(Keys(), Keys("disk=16G")));
        Assert.Equal(0, FirstChanged(Keys(), Keys("formats=vmdk")));
    }

    [Fact]
    public void A_step_with_cache_false_and_every_step_after_it_have_no_key()
    {
        var path = Path.Combine(_repo.Root, "templates/web.kiln.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("{ inline: [\"echo {{ var.greeting }}\"] }", "{ inline: [\"echo {{ var.greeting }}\"], cache: false }", StringComparison.Ordinal));
        var keys = Keys();
        Assert.Equal(3, new ProvisionLayers(keys).CacheableSteps);
        Assert.All(keys.Skip(3), Assert.Null);
    }

    [Fact]
    public void Steps_with_effects_outside_the_machine_are_never_cached()
    {
        var path = Path.Combine(_repo.Root, "templates/web.kiln.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("  - shell: { inline: [\"echo six\"] }", "  - file: { source: /etc/hostname, destination: out/, direction: download }\n  - shell: { inline: [\"echo six\"] }", StringComparison.Ordinal));
        var keys = Keys();
        Assert.Equal(5, new ProvisionLayers(keys).CacheableSteps);
        Assert.Equal(7, keys.Count);
    }

    public void Dispose() => _repo.Dispose();
}
