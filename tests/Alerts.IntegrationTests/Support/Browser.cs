using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Chromium;
using OpenQA.Selenium.Support.UI;

namespace Alerts.IntegrationTests.Support;

/// <summary>
/// Debian's chromium, headless, driven through Debian's chromium-driver (both named by path, so Selenium downloads nothing).
/// Screenshots go with the test results (.local/test-results/screenshots), named after the test.
/// </summary>
public sealed class Browser : IDisposable
{
    const string Chromium = "/usr/bin/chromium", ChromeDriver = "/usr/bin/chromedriver";

    readonly ChromeDriver _driver;
    readonly string _test;
    int _screenshots;

    Browser(ChromeDriver driver, string test) => (_driver, _test) = (driver, test);

    public IWebDriver Driver => _driver;

    public static Browser Open(string test, int width = 1280, int height = 1000)
    {
        if (!File.Exists(Chromium) || !File.Exists(ChromeDriver))
        {
            throw new InvalidOperationException(
                $"Debian's chromium and chromium-driver are needed at {Chromium} and {ChromeDriver}: ./scripts/test.sh installs them (apt-get install chromium chromium-driver)");
        }

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver), Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-extensions", $"--window-size={width},{height}");
        if (width < 500)
        {
            // A window is at least 500 pixels wide: a phone's narrower screen is emulated.
            options.EnableMobileEmulation(new ChromiumMobileEmulationDeviceSettings { Width = width, Height = height, PixelRatio = 1, EnableTouchEvents = true,
                UserAgent = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36" });
        }

        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        return new Browser(new ChromeDriver(service, options, TimeSpan.FromSeconds(60)), test);
    }

    /// <summary>Opens the front door's page, with the user name and password in the address as a browser's prompt would send them.</summary>
    public void OpenPage(Uri frontDoor, string user, string password) =>
        _driver.Navigate().GoToUrl(new UriBuilder(frontDoor) { UserName = user, Password = password, Path = "/" }.Uri);

    /// <summary>Waits until <paramref name="condition"/> holds, then answers what it found; on timeout, a screenshot and the page's text say why.</summary>
    public T WaitFor<T>(Func<IWebDriver, T?> condition, string what, int seconds = 15)
    {
        try
        {
            // Selenium waits on a reference or a bool: what is found, boxed, and null or false while there is nothing yet.
            var wait = new WebDriverWait(_driver, TimeSpan.FromSeconds(seconds)) { PollingInterval = TimeSpan.FromMilliseconds(200) };
            wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException)); // the page renders anew when what it shows changed
            return (T)wait.Until(driver => condition(driver) is { } found and not false ? (object)found : null);
        }
        catch (WebDriverTimeoutException)
        {
            Screenshot("timeout");
            throw new TimeoutException($"the page did not show {what} within {seconds} s; it showed:\n{_driver.FindElement(By.TagName("body")).Text}");
        }
    }

    /// <summary>The group on the page whose text holds <paramref name="text"/>, or null while there is none.</summary>
    public IWebElement? Group(string text) =>
        _driver.FindElements(By.CssSelector("article.group")).FirstOrDefault(group => group.Text.Contains(text, StringComparison.Ordinal));

    /// <summary>Presses a button of the group whose text holds <paramref name="groupText"/>: a click, or <paramref name="keys"/> typed on it.</summary>
    public void Press(string groupText, string button, string? keys = null) => WaitFor(_ =>
    {
        if (Group(groupText)?.FindElement(By.XPath($".//button[text()='{button}']")) is not { } found)
        {
            return false;
        }

        if (keys is null)
        {
            found.Click();
        }
        else
        {
            found.SendKeys(keys);
        }

        return true;
    }, $"the button '{button}' of the group with '{groupText}'");

    public object? Script(string script, params object[] arguments) => _driver.ExecuteScript(script, arguments);

    /// <summary>What the browser logged as an error: script errors, refused requests, content security policy violations.</summary>
    public IReadOnlyList<string> Errors() =>
        [.. _driver.Manage().Logs.GetLog(LogType.Browser).Where(entry => entry.Level >= LogLevel.Severe).Select(entry => entry.Message)];

    public string Screenshot(string name)
    {
        var folder = Repository.PathOf(".local/test-results/screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{_test}-{++_screenshots}-{name}.png");
        _driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public void Dispose() => _driver.Quit();
}
