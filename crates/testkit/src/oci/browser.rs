//! A scripted browser for `session authenticate` tests: it follows the fake
//! console's redirect, takes the fragment, and hands it to the CLI's loopback
//! listener as `GET /token?<fragment>` — what the page at `/` does with
//! JavaScript in a real browser. Plain HTTP/1.1 over std sockets (loopback only).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// One `GET` to a loopback `http://` URL; returns the status and headers.
pub fn http_get(url: &str) -> Result<(u16, Vec<(String, String)>), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http:// URL: {url}"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    // `localhost` is loopback; connecting to 127.0.0.1 avoids any resolver.
    let address = authority.replace("localhost", "127.0.0.1");
    let mut stream = TcpStream::connect(&address).map_err(|e| format!("{address}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&answer);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "no HTTP status line".to_owned())?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok((status, headers))
}

/// Logs in at the fake console with `authorize_url` and delivers the token to
/// the redirect target. Returns the listener's status for `/token`.
pub fn complete_login(authorize_url: &str) -> Result<u16, String> {
    let (status, headers) = http_get(authorize_url)?;
    if status != 302 {
        return Err(format!("the console answered {status}, not a redirect"));
    }
    let location = headers
        .iter()
        .find(|(n, _)| n == "location")
        .map(|(_, v)| v.clone())
        .ok_or("the redirect has no location")?;
    let (target, fragment) = location
        .split_once('#')
        .ok_or("the redirect has no fragment")?;
    // The page at `/` would run in the browser; fetch it as a browser would.
    let (page, _) = http_get(target)?;
    if page != 200 {
        return Err(format!("the listener's page answered {page}"));
    }
    let (status, _) = http_get(&format!(
        "{}/token?{fragment}",
        target.trim_end_matches('/')
    ))?;
    Ok(status)
}

/// Waits for a file the browser script writes the URL into, then logs in.
pub fn complete_login_from_file(url_file: &Path, wait: Duration) -> Result<u16, String> {
    complete_login(&wait_for_url(url_file, wait)?)
}

/// The URL the browser script wrote into `url_file`, once it is there (a whole line).
pub fn wait_for_url(url_file: &Path, wait: Duration) -> Result<String, String> {
    let deadline = Instant::now() + wait;
    loop {
        if let Ok(url) = std::fs::read_to_string(url_file)
            && url.ends_with('\n')
        {
            return Ok(url.trim().to_owned());
        }
        if Instant::now() > deadline {
            return Err(format!("{} was not written in time", url_file.display()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Writes an executable script that records the URL it is given (one line) in
/// `url_file`: a `--browser-command` for tests.
pub fn write_browser_script(dir: &Path, url_file: &Path) -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let script = dir.join("fake-browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" > '{}.part' && mv '{}.part' '{}'\n",
            url_file.display(),
            url_file.display(),
            url_file.display()
        ),
    )?;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    Ok(script)
}
