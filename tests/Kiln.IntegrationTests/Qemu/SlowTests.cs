namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// The opt-in tier: QEMU tests that take many minutes under TCG, or need parts the mirror here lacks, run only with
/// KILN_SLOW_TESTS=1. Each says why it is in this tier.
/// </summary>
internal static class SlowTests
{
    public const string Variable = "KILN_SLOW_TESTS";

    public static void Require(string why) =>
        Assert.SkipUnless(Environment.GetEnvironmentVariable(Variable) == "1", $"{why}; set {Variable}=1 to run it");
}
