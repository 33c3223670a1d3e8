namespace Kiln.Targets.Tests.Parameters;

public sealed class NamesTests
{
    [Theory]
    [InlineData("ApiKey", "api-key")]
    [InlineData("SshTimeout", "ssh-timeout")]
    [InlineData("AMIName", "ami-name")]
    [InlineData("Image", "image")]
    [InlineData("Retry3Times", "retry3-times")]
    [InlineData("no_logo", "no-logo")]
    public void Option_names_are_kebab_case(string member, string option) => Assert.Equal(option, Names.Kebab(member));

    [Theory]
    [InlineData("API_KEY", "apikey")]
    [InlineData("api-key", "apikey")]
    [InlineData("ApiKey", "apikey")]
    public void Names_compare_without_case_dashes_or_underscores(string name, string normalized) => Assert.Equal(normalized, Names.Normalize(name));

    [Theory]
    [InlineData("Compil", "Compile")]
    [InlineData("tset", "Test")]
    [InlineData("Pub", "Publish")]
    [InlineData("Deploy", null)]
    public void Did_you_mean_picks_a_close_name_or_none(string typed, string? expected) =>
        Assert.Equal(expected, Names.Closest(typed, ["Compile", "Test", "Publish", "Restore"]));
}
