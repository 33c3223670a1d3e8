using Kiln.Definitions;
using Kiln.Images;

namespace Kiln.Tests.Images;

public sealed class FingerprintTests : IDisposable
{
    private readonly ImageRepository _repo = new();

    public FingerprintTests() => _repo.Write("templates/secret.kiln.yaml", """
        name: secret
        variables:
          password: { type: string, sensitive: true }
        sources:
          disk: { type: file-image, content: "pw={{ var.password }} at {{ timestamp }} id {{ uuid }}" }
        """);

    private string Fingerprint(params string[] vars)
    {
        var settings = _repo.Settings() with { Vars = vars };
        var set = KilnImages.Load(settings);
        var image = set.Resolve("secret", BuildFingerprint.Scope);
        return BuildFingerprint.Compute(image, image.Sources[0], settings.Catalog, set.Redactor, []);
    }

    [Fact]
    public void Time_and_random_values_do_not_change_the_fingerprint() =>
        Assert.Equal(Fingerprint("password=correct-horse-battery"), Fingerprint("password=correct-horse-battery"));

    [Fact]
    public void A_changed_secret_changes_the_fingerprint() =>
        Assert.NotEqual(Fingerprint("password=correct-horse-battery"), Fingerprint("password=correct-horse-staple"));

    [Fact]
    public void Dependency_fingerprints_are_inputs()
    {
        var settings = _repo.Settings() with { Vars = ["password=correct-horse-battery"] };
        var set = KilnImages.Load(settings);
        var image = set.Resolve("secret", BuildFingerprint.Scope);

        Assert.NotEqual(
            BuildFingerprint.Compute(image, image.Sources[0], settings.Catalog, set.Redactor, ["sha256:a"]),
            BuildFingerprint.Compute(image, image.Sources[0], settings.Catalog, set.Redactor, ["sha256:b"]));
    }

    [Fact]
    public void The_fingerprint_scope_keeps_build_time_values_symbolic()
    {
        Assert.True(BuildFingerprint.Scope.IsSymbolic);
        Assert.Equal(Guid.Empty, BuildFingerprint.Scope.NewUuid());
        Assert.Equal(DateTimeOffset.UnixEpoch, BuildFingerprint.Scope.Timestamp);
        Assert.Equal(BuildScope.Symbolic.RunId, BuildFingerprint.Scope.RunId);
    }

    public void Dispose() => _repo.Dispose();
}
