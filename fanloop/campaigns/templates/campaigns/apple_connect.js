(function(){var box=document.getElementById("apple");if(!box){return;}box.hidden=false;
var button=document.getElementById("apple-authorize"),status=document.getElementById("apple-status"),
error=document.getElementById("apple-error"),retry=document.getElementById("apple-retry");
function fail(message){error.textContent=message;error.hidden=false;status.textContent="";retry.hidden=false;button.hidden=true;}
retry.addEventListener("click",function(){location.reload();});
function post(userToken){status.textContent="Saving your pre-save…";
var body=new URLSearchParams({music_user_token:userToken,state:box.dataset.state});
var csrf=box.querySelector("input[name=csrfmiddlewaretoken]").value;
return fetch(box.dataset.tokenUrl,{method:"POST",body:body,credentials:"same-origin",headers:{"X-CSRFToken":csrf}})
.then(function(r){return r.json().then(function(data){if(r.ok&&data.next){location.assign(data.next);}else{fail(data.error||"Something went wrong. Please try again.");}});})
.catch(function(){fail("The connection dropped. Please try again.");});}
function ready(){MusicKit.configure({developerToken:box.dataset.developerToken,app:{name:box.dataset.appName,build:"1"}}).then(function(){
button.disabled=false;status.textContent="";},function(){fail("Apple Music could not start. Please try again later.");});}
button.addEventListener("click",function(){button.disabled=true;status.textContent="Waiting for Apple Music…";
MusicKit.getInstance().authorize().then(post,function(e){var m=String(e&&e.message||e);
fail(/DENIED|CANCEL/i.test(m)?"You did not allow Apple Music, so nothing was saved. You can try again.":"Apple Music could not sign you in. Please try again.");});});
if(window.MusicKit&&MusicKit.getInstance){ready();}else{document.addEventListener("musickitloaded",ready);}
setTimeout(function(){if(!window.MusicKit){fail("Apple Music could not be loaded. Check your connection and try again.");}},15000);})();
