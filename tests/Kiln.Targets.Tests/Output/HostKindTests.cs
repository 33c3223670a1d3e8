namespace Kiln.Targets.Tests.Output;

public sealed class HostKindTests
{
    [Theory]
    [InlineData("GITHUB_ACTIONS", "true", false, HostKind.GitHubActions)]
    [InlineData("TF_BUILD", "True", false, HostKind.AzurePipelines)]
    [InlineData("GITHUB_ACTIONS", "false", true, HostKind.Terminal)]
    [InlineData("CI", "true", false, HostKind.Plain)]
    [InlineData("CI", "true", true, HostKind.Terminal)]
    public void The_host_kind_comes_from_the_environment(string variable, string value, bool isTerminal, HostKind expected)
    {
        var environment = new HostEnvironment(new Dictionary<string, string> { [variable] = value }, "/", isTerminal);
        Assert.Equal(expected, environment.Kind);
    }
}
