/*
 * MusicKit JS stand-in served by the platform emulator at /apple/musickit/v3/musickit.js.
 * Same shape as Apple's script for what fanloop uses: MusicKit.configure(), getInstance(),
 * instance.authorize() (resolves to the Music-User-Token), unauthorize(), api.music(),
 * and a "musickitloaded" event on document. authorize() opens the emulator's authorize
 * page in a popup, which posts the token back with postMessage.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var src = script && script.src ? script.src : location.href;
  // The emulator's root: everything before /apple/musickit/... in this script's URL.
  var root = src.replace(/\/apple\/musickit\/v3\/musickit\.js.*$/, "");
  var rootOrigin = new URL(root + "/").origin;
  var instance = null;

  var Events = {
    authorizationStatusDidChange: "authorizationStatusDidChange",
    userTokenDidChange: "userTokenDidChange",
  };

  function MusicKitInstance(config) {
    this.developerToken = config.developerToken;
    this.app = config.app || {};
    this.storefrontId = config.storefrontId || "us";
    this.musicUserToken = null;
    this.isAuthorized = false;
    this._listeners = {};
    var self = this;
    this.api = {
      // v3 shape: music(path, queryParameters) → Promise<{data}>
      music: function (path, query) {
        var qs = query ? "?" + new URLSearchParams(query).toString() : "";
        var headers = { Authorization: "Bearer " + self.developerToken };
        if (self.musicUserToken) { headers["Music-User-Token"] = self.musicUserToken; }
        var method = path.indexOf("/v1/me/library") === 0 && query && query.method ? query.method : "GET";
        return fetch(root + "/apple" + path + qs, { method: method, headers: headers }).then(function (r) {
          if (r.status === 202 || r.status === 204) { return { data: null, status: r.status }; }
          return r.json().then(function (data) {
            if (!r.ok) { var err = new Error("MusicKit API error " + r.status); err.data = data; throw err; }
            return { data: data, status: r.status };
          });
        });
      },
    };
  }

  MusicKitInstance.prototype.addEventListener = function (name, fn) {
    (this._listeners[name] = this._listeners[name] || []).push(fn);
  };
  MusicKitInstance.prototype.removeEventListener = function (name, fn) {
    this._listeners[name] = (this._listeners[name] || []).filter(function (f) { return f !== fn; });
  };
  MusicKitInstance.prototype._emit = function (name, detail) {
    (this._listeners[name] || []).forEach(function (fn) { fn(detail); });
  };

  MusicKitInstance.prototype.authorize = function () {
    var self = this;
    return new Promise(function (resolve, reject) {
      var url = root + "/apple/authorize?" + new URLSearchParams({
        developer_token: self.developerToken || "",
        app_name: self.app.name || "",
        origin: location.origin,
      }).toString();
      var popup = window.open(url, "musickit-authorize", "width=480,height=680");
      if (!popup) { reject(new Error("AUTHORIZATION_ERROR: popup blocked")); return; }
      function onMessage(event) {
        if (event.origin !== rootOrigin) { return; }
        var data = event.data || {};
        if (data.type !== "musickit:authorize") { return; }
        window.removeEventListener("message", onMessage);
        if (data.musicUserToken) {
          self.musicUserToken = data.musicUserToken;
          self.isAuthorized = true;
          self._emit(Events.userTokenDidChange, { userToken: data.musicUserToken });
          self._emit(Events.authorizationStatusDidChange, { authorizationStatus: 3 });
          resolve(data.musicUserToken);
        } else {
          reject(new Error(data.error || "AUTHORIZATION_ERROR"));
        }
      }
      window.addEventListener("message", onMessage);
    });
  };

  MusicKitInstance.prototype.unauthorize = function () {
    this.musicUserToken = null;
    this.isAuthorized = false;
    this._emit(Events.authorizationStatusDidChange, { authorizationStatus: 0 });
    return Promise.resolve();
  };

  window.MusicKit = {
    version: "3.0.0-emulator",
    Events: Events,
    configure: function (config) {
      if (!config || !config.developerToken) {
        return Promise.reject(new Error("MusicKit.configure: developerToken is required"));
      }
      instance = new MusicKitInstance(config);
      return Promise.resolve(instance);
    },
    getInstance: function () { return instance; },
  };

  // Apple's script announces itself once loaded; do so after the current task so listeners
  // added by later inline scripts still hear it.
  setTimeout(function () { document.dispatchEvent(new Event("musickitloaded")); }, 0);
})();
