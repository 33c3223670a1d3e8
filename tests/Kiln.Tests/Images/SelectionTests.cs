using Kiln.Diagnostics;
using Kiln.Images;

namespace Kiln.Tests.Images;

public sealed class SelectionTests : IDisposable
{
    private readonly ImageRepository _repo = new();

    public SelectionTests()
    {
        _repo.Write("templates/a.kiln.yaml", "name: base\nsources:\n  disk: { type: file-image }\n  cloud: { type: file-image }\n");
        _repo.Write("templates/b.kiln.yaml", "name: web-1\ndepends_on: [base]\nsources:\n  disk: { type: file-image }\n  cloud: { type: file-image }\n");
        _repo.Write("templates/c.kiln.yaml", "name: web-2\nsources:\n  disk: { type: file-image }\n");
    }

    private ImageSelection Select(ImageBuildSettings settings) => ImageSelection.From(KilnImages.Load(settings), settings);

    [Fact]
    public void Globs_pick_images_and_their_dependencies_come_first_whole()
    {
        var selection = Select(_repo.Settings("web-*") with { Only = ["cl*"] });

        Assert.Equal(["base", "web-1", "web-2"], selection.Images.Select(i => i.Name));
        Assert.Equal(["disk", "cloud"], selection.Images[0].Sources);
        Assert.True(selection.Images[0].IsDependencyOnly);
        Assert.Equal(["cloud"], selection.Images[1].Sources);
        Assert.Empty(selection.Images[2].Sources);
    }

    [Fact]
    public void Except_removes_sources()
    {
        var selection = Select(_repo.Settings("web-1") with { Except = ["disk"] });

        Assert.Equal(["cloud"], selection.Images.Single(i => i.Name == "web-1").Sources);
    }

    [Fact]
    public void An_image_pattern_that_matches_nothing_is_an_error_listing_the_images()
    {
        var error = Assert.Throws<KilnException>(() => Select(_repo.Settings("nope")));

        Assert.Contains("--image 'nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("web-1", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Filters_that_leave_nothing_to_build_are_an_error() =>
        Assert.Throws<KilnException>(() => Select(_repo.Settings("web-2") with { Only = ["cloud"] }));

    public void Dispose() => _repo.Dispose();
}
